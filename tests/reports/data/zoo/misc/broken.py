_base_ = ['../_base_/missing.py']
train_cfg = dict(disc_steps=2)
