device add 'bad id'
