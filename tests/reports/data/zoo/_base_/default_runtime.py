# runtime shared by every config of this zoo
checkpoint_config = dict(interval=10000, by_epoch=False)
log_level = 'INFO'
