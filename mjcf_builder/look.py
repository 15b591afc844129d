"""The Control Suite's look: skybox, grid floor texture, plain materials and visual settings.

None of this affects the physics; it only makes rendered frames resemble dm_control's. Arenas
(:class:`mjcf_builder.entity.Arena`) and the suite's models (``mjxcontrol.tasks.models``) start
from :func:`apply`, and may reference the material names in :data:`MATERIAL_RGBA` (plus
``"grid"`` for floors).
"""

from __future__ import annotations

import mujoco

# Checkerboard texture used by the floor material "grid".
GRID_NAME = "grid"
GRID_RGB1 = (0.1, 0.2, 0.3)
GRID_RGB2 = (0.2, 0.3, 0.4)
GRID_TEXELS = 300
GRID_REFLECTANCE = 0.2

# Blue-to-black gradient sky sprinkled with random white dots.
SKYBOX_NAME = "skybox"
SKYBOX_RGB1 = (0.4, 0.6, 0.8)
SKYBOX_RGB2 = (0.0, 0.0, 0.0)
SKYBOX_TEXELS = 800

# Plain colour materials. The *_default / *_highlight pairs let tasks recolour a part on events.
MATERIAL_RGBA = {
    "self": (0.7, 0.5, 0.3, 1.0),
    "self_default": (0.7, 0.5, 0.3, 1.0),
    "self_highlight": (0.0, 0.5, 0.3, 1.0),
    "effector": (0.7, 0.4, 0.2, 1.0),
    "effector_default": (0.7, 0.4, 0.2, 1.0),
    "effector_highlight": (0.0, 0.5, 0.3, 1.0),
    "decoration": (0.3, 0.5, 0.7, 1.0),
    "eye": (0.0, 0.2, 1.0, 1.0),
    "target": (0.6, 0.3, 0.3, 1.0),
    "target_default": (0.6, 0.3, 0.3, 1.0),
    "target_highlight": (0.6, 0.3, 0.3, 0.4),
    "site": (0.5, 0.5, 0.5, 0.3),
}

# Headlight and rendering quality.
HEADLIGHT_AMBIENT = (0.4, 0.4, 0.4)
HEADLIGHT_DIFFUSE = (0.8, 0.8, 0.8)
HEADLIGHT_SPECULAR = (0.1, 0.1, 0.1)
ZNEAR = 0.01
SHADOW_SIZE = 2048


def apply(spec: mujoco.MjSpec) -> None:
    """Adds the textures and materials and sets the visual settings below."""
    add_textures(spec)
    add_materials(spec)
    set_visual(spec)


def add_textures(spec: mujoco.MjSpec) -> None:
    """Adds the skybox and the floor's checker texture."""
    spec.add_texture(
        name=SKYBOX_NAME,
        type=mujoco.mjtTexture.mjTEXTURE_SKYBOX,
        builtin=mujoco.mjtBuiltin.mjBUILTIN_GRADIENT,
        rgb1=SKYBOX_RGB1,
        rgb2=SKYBOX_RGB2,
        width=SKYBOX_TEXELS,
        height=SKYBOX_TEXELS,
        mark=mujoco.mjtMark.mjMARK_RANDOM,
        markrgb=(1.0, 1.0, 1.0),
    )
    spec.add_texture(
        name=GRID_NAME,
        type=mujoco.mjtTexture.mjTEXTURE_2D,
        builtin=mujoco.mjtBuiltin.mjBUILTIN_CHECKER,
        rgb1=GRID_RGB1,
        rgb2=GRID_RGB2,
        width=GRID_TEXELS,
        height=GRID_TEXELS,
        mark=mujoco.mjtMark.mjMARK_EDGE,
        markrgb=GRID_RGB2,
    )


def add_materials(spec: mujoco.MjSpec) -> None:
    """Adds the textured floor material and the plain colour materials."""
    grid = spec.add_material(name=GRID_NAME, texuniform=True, reflectance=GRID_REFLECTANCE)
    textures = [""] * int(mujoco.mjtTextureRole.mjNTEXROLE)
    textures[int(mujoco.mjtTextureRole.mjTEXROLE_RGB)] = GRID_NAME
    grid.textures = textures
    for name, rgba in MATERIAL_RGBA.items():
        spec.add_material(name=name, rgba=rgba)


def set_visual(spec: mujoco.MjSpec) -> None:
    """Sets the headlight, near clipping plane and shadow map size."""
    spec.visual.headlight.ambient = HEADLIGHT_AMBIENT
    spec.visual.headlight.diffuse = HEADLIGHT_DIFFUSE
    spec.visual.headlight.specular = HEADLIGHT_SPECULAR
    spec.visual.map.znear = ZNEAR
    spec.visual.quality.shadowsize = SHADOW_SIZE
