_base_ = ['../_base_/default_runtime.py']
n_critic = 5
model = dict(type='StaticUnconditionalGAN', generator=dict(type='G'), discriminator=dict(type='D'))
train_cfg = dict(disc_steps=n_critic)
optimizer = dict(
    generator=dict(type='Adam', lr=0.0001, betas=(0.0, 0.9)),
    discriminator=dict(type='Adam', lr=0.0001, betas=(0.0, 0.9)),
)
