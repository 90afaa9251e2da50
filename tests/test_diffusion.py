"""The diffusers x4 upscaler with a tiny, randomly initialised pipeline on the CPU.

Random weights: these tests prove the plumbing (shapes, seeding, tiling, the
rule's options), never image quality.  The tokenizer is built offline from a
minimal vocabulary; nothing is downloaded.
"""

import json

import numpy as np
import pytest

pytest.importorskip("transformers")
torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def tiny_pipeline(tmp_path_factory):
    from diffusers import AutoencoderKL, DDIMScheduler, DDPMScheduler, StableDiffusionUpscalePipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64), layers_per_block=1, sample_size=32, in_channels=7, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32, attention_head_dim=8, num_class_embeds=1000, norm_num_groups=8,
    )
    vae = AutoencoderKL(
        block_out_channels=[32, 32, 32], in_channels=3, out_channels=3, latent_channels=4, norm_num_groups=8,
        down_block_types=["DownEncoderBlock2D"] * 3, up_block_types=["UpDecoderBlock2D"] * 3, scaling_factor=0.08333,
    )
    text_encoder = CLIPTextModel(CLIPTextConfig(
        bos_token_id=0, eos_token_id=2, pad_token_id=1, hidden_size=32, intermediate_size=37, num_attention_heads=4,
        num_hidden_layers=2, vocab_size=100, max_position_embeddings=77, projection_dim=32))
    words = tmp_path_factory.mktemp("tok")
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 2, "!": 1, "a</w>": 3, "room</w>": 4, "photo</w>": 5}
    (words / "vocab.json").write_text(json.dumps(vocab))
    (words / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = CLIPTokenizer(str(words / "vocab.json"), str(words / "merges.txt"), pad_token="!", model_max_length=77)
    pipe = StableDiffusionUpscalePipeline(
        vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
        low_res_scheduler=DDPMScheduler(beta_schedule="scaled_linear"),
        scheduler=DDIMScheduler(beta_schedule="scaled_linear", clip_sample=False, set_alpha_to_one=False),
        max_noise_level=350,
    )
    return pipe


def _upscaler(pipe, **options):
    from roomtour.upscalers import UPSCALERS

    return UPSCALERS.create("sd-x4", {"pipeline": pipe, "steps": 2, "device": "cpu", **options})


def test_sd_x4_shapes_and_determinism_under_a_seed(tiny_pipeline, textured_frame):
    clip = np.stack([textured_frame[:16, :24]] * 2)
    up = _upscaler(tiny_pipeline, tile=0)
    a, b = up.upscale(clip, 4), up.upscale(clip, 4)
    assert a.shape == (2, 64, 96, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)  # one shared noise seed
    assert np.array_equal(a[0], a[1])  # identical frames in, identical frames out
    c = _upscaler(tiny_pipeline, tile=0, seed=1).upscale(clip[:1], 4)
    assert not np.array_equal(a[0], c[0])


def test_sd_x4_tiles_large_frames_and_any_scale(tiny_pipeline, textured_frame):
    clip = textured_frame[None, :24, :40]
    out = _upscaler(tiny_pipeline, tile=16, tile_pad=4).upscale(clip, 2)  # runs x4, then resizes to x2
    assert out.shape == (1, 48, 80, 3)


def test_sd_x4_missing_model_directory_is_one_line(tmp_path):
    from roomtour.errors import RoomtourError
    from roomtour.upscalers import UPSCALERS

    with pytest.raises(RoomtourError, match="not a diffusers model directory; download https://huggingface.co/"):
        UPSCALERS.create("sd-x4", {"weights_dir": str(tmp_path)})


def test_gpu_methods_carry_the_gpu_tag():
    from roomtour.denoisers import DENOISERS
    from roomtour.generators import GENERATORS
    from roomtour.upscalers import UPSCALERS

    assert UPSCALERS.uses_gpu("sd-x4") and UPSCALERS.uses_gpu("upscale-a-video")
    assert GENERATORS.uses_gpu("cami2v") and DENOISERS.uses_gpu("fastdvdnet")
    assert not UPSCALERS.uses_gpu("lanczos") and not GENERATORS.uses_gpu("parallax")


@pytest.fixture(scope="module")
def tiny_svd():
    from diffusers import (
        AutoencoderKLTemporalDecoder,
        EulerDiscreteScheduler,
        StableVideoDiffusionPipeline,
        UNetSpatioTemporalConditionModel,
    )
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(0)
    unet = UNetSpatioTemporalConditionModel(
        block_out_channels=(32, 64), layers_per_block=1, sample_size=32, in_channels=8, out_channels=4,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
        cross_attention_dim=32, num_attention_heads=8, projection_class_embeddings_input_dim=96,
        addition_time_embed_dim=32,
    )
    vae = AutoencoderKLTemporalDecoder(block_out_channels=[32, 64], in_channels=3, out_channels=3,
                                       down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
                                       latent_channels=4)
    encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(
        hidden_size=32, projection_dim=32, num_hidden_layers=2, num_attention_heads=4, image_size=224,
        intermediate_size=37, patch_size=32))  # the pipeline resizes the photo to 224 for CLIP
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", interpolation_type="linear",
        prediction_type="v_prediction", sigma_max=700.0, sigma_min=0.002, steps_offset=1, timestep_spacing="leading",
        timestep_type="continuous", use_karras_sigmas=True)
    return StableVideoDiffusionPipeline(vae=vae, image_encoder=encoder, unet=unet, scheduler=scheduler,
                                        feature_extractor=CLIPImageProcessor(crop_size=224, size=224))


def _svd(pipe, **options):
    from roomtour.generators import GENERATORS

    return GENERATORS.create("svd", {"pipeline": pipe, "steps": 2, "device": "cpu", "decode_chunk_size": 2,
                                     **options})


def _moving_scene():
    from roomtour.camera import preset_path
    from roomtour.scenes import get_scene, render_frame

    cam = preset_path("pan_left", 4, aspect=1.0, distance=0.8)
    photo, depth = render_frame(get_scene("living"), cam.w2c[0], cam.intrinsics[0], 64, 64, depth=True)
    return photo, depth, cam


def test_svd_shapes_and_determinism_under_a_seed(tiny_svd):
    photo, depth, cam = _moving_scene()
    gen = _svd(tiny_svd, strength=1.0)
    a = gen.generate(photo, cam, 64, 64, depth=depth)
    b = gen.generate(photo, cam, 64, 64, depth=depth)
    assert a.shape == (4, 64, 64, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    assert not np.array_equal(a, _svd(tiny_svd, strength=1.0, seed=1).generate(photo, cam, 64, 64, depth=depth))


def test_svd_at_low_strength_keeps_the_rendered_camera_motion(tiny_svd):
    photo, depth, cam = _moving_scene()
    gen = _svd(tiny_svd, strength=0.34, steps=6)
    out = gen.generate(photo, cam, 64, 64, depth=depth, output_type="latent")[0].float()  # (T, C, h, w)
    renders = gen.encode(gen.renders).float()
    assert gen.noise_schedule()[0] < 1.0  # low strength: only the smallest noise levels
    # every frame stays nearest to its own render's latents: the path reached the output
    for t in range(len(renders)):
        dists = [float((out[t] - r).pow(2).mean()) for r in renders]
        assert int(np.argmin(dists)) == t, dists
    with pytest.raises(Exception, match="multiple of 8"):
        gen.generate(photo[:60, :60], cam, 60, 60, depth=depth[:60, :60])
