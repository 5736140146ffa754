_base_ = ['../_base_/models/dcgan.py', '../_base_/default_runtime.py']

lr = 0.0002
# accumulate two batches per update
train_cfg = dict(disc_steps=4, gen_steps=1, batch_accumulation_steps=2)
optimizer = dict(
    generator=dict(type='Adam', lr=lr, betas=(0.5, 0.999)),
    discriminator=dict(type='Adam', lr=lr * 2, betas=(0.5, 0.999)))
