device add press-1
