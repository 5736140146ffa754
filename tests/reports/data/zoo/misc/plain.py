# nothing to migrate here
log_level = 'DEBUG'
