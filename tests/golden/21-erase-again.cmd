erase 3 --reason again
