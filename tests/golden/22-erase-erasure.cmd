erase 6 --reason 'not an erasure target'
