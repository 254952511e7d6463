show 99
