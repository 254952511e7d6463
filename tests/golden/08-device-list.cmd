device list
