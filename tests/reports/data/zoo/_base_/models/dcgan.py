model = dict(
    type='StaticUnconditionalGAN',
    generator=dict(type='DCGANGenerator', output_scale=64, base_channels=1024),
    discriminator=dict(type='DCGANDiscriminator', input_scale=64, output_scale=4, out_channels=1),
)
train_cfg = dict(disc_steps=1)  # one D step per iteration
