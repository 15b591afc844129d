"""Element kinds the builder knows: which object creates each, and where MjSpec lists them."""

from __future__ import annotations

# Kinds created inside a body: kind -> MjsBody method.
BODY_KINDS = {
    "body": "add_body",
    "joint": "add_joint",
    "freejoint": "add_freejoint",
    "geom": "add_geom",
    "site": "add_site",
    "camera": "add_camera",
    "light": "add_light",
    "frame": "add_frame",
}
# Kinds created on the spec itself: kind -> MjSpec method.
SPEC_KINDS = {
    "actuator": "add_actuator",
    "sensor": "add_sensor",
    "tendon": "add_tendon",
    "material": "add_material",
    "texture": "add_texture",
    "mesh": "add_mesh",
    "hfield": "add_hfield",
    "skin": "add_skin",
    "equality": "add_equality",
    "exclude": "add_exclude",
    "pair": "add_pair",
    "key": "add_key",
    "numeric": "add_numeric",
    "text": "add_text",
    "tuple": "add_tuple",
}
KINDS = tuple(BODY_KINDS) + tuple(SPEC_KINDS)
# Kind -> the MjSpec list property holding every element of that kind.
PLURAL = {
    "body": "bodies",
    "joint": "joints",
    "geom": "geoms",
    "site": "sites",
    "camera": "cameras",
    "light": "lights",
    "frame": "frames",
    "actuator": "actuators",
    "sensor": "sensors",
    "tendon": "tendons",
    "material": "materials",
    "texture": "textures",
    "mesh": "meshes",
    "hfield": "hfields",
    "skin": "skins",
    "equality": "equalities",
    "exclude": "excludes",
    "pair": "pairs",
    "key": "keys",
    "numeric": "numerics",
    "text": "texts",
    "tuple": "tuples",
}
LOOKUP_KIND = {"freejoint": "joint"}
SEPARATOR = "/"
# Asset references checked before compiling: (element kind, attribute, asset kind).
ASSET_REFERENCES = (
    ("geom", "material", "material"),
    ("geom", "meshname", "mesh"),
    ("geom", "hfieldname", "hfield"),
    ("site", "material", "material"),
    ("tendon", "material", "material"),
    ("skin", "material", "material"),
)
