"""Look and feel shared by every Control Suite model: skybox, grid floor texture, materials, visual.

None of this affects the physics; it only makes rendered frames resemble the original suite. A
domain module starts from :func:`new_spec`, then adds its bodies, and may reference the material
names listed in :data:`MATERIAL_RGBA` (plus ``"grid"`` for floors).
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


def new_spec(model_name: str) -> mujoco.MjSpec:
    """Returns an empty spec carrying the suite's common textures, materials and visual settings.

    Args:
      model_name: the model's name (``<mujoco model=...>``).
    """
    spec = mujoco.MjSpec()
    spec.modelname = model_name
    add_textures(spec)
    add_materials(spec)
    set_visual(spec)
    return spec


def new_model(model_name: str):
    """Like :func:`new_spec`, as an :class:`mjcf_builder.Model` (angles in radians)."""
    from mjcf_builder.model import Model  # the builder's suite models use this module too

    model = Model(model_name)
    add_textures(model.spec)
    add_materials(model.spec)
    set_visual(model.spec)
    return model


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


def add_light_and_floor(
    spec: mujoco.MjSpec, light_height: float, floor_half_extent: float, grid_spacing: float
) -> None:
    """A top light named ``light`` and a square grid plane named ``floor`` centred at the origin."""
    world = spec.worldbody
    world.add_light(name="light", pos=(0, 0, light_height))
    world.add_geom(
        name="floor",
        type=mujoco.mjtGeom.mjGEOM_PLANE,
        size=(floor_half_extent, floor_half_extent, grid_spacing),
        material=GRID_NAME,
    )
