model = dict(type='BasiccGAN', generator=dict(type='G'), discriminator=dict(type='D'))
train_cfg = dict(disc_steps=3, batch_accumulation_steps=2)
optimizer = dict(generator=dict(type='Adam', lr=1e-4), discriminator=dict(type='Adam', lr=4e-4))
total_iters = 1000
