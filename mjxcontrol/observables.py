"""Named physical quantities that several tasks observe or reward, written once.

Each function takes the compiled physics (for name -> index tables) and one env's ``mjx.Data``;
names resolve to static indices at trace time.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp

from mjxcontrol._mjx import mjx
from mjxcontrol.physics import Physics

_AXIS = {"x": 0, "y": 1, "z": 2}


def rotation_entries(
    physics: Physics, data: mjx.Data, bodies: Sequence[str], entries: Sequence[str]
) -> jax.Array:
    """Entries of each body's world rotation matrix (``xmat``), e.g. ``("zz", "xz")``.

    Args:
      physics: the compiled physics.
      data: one env's data (positions current).
      bodies: body names.
      entries: two-letter names, row axis then column axis: ``"xz"`` is ``xmat[0, 2]``.

    Returns:
      ``[len(bodies), len(entries)]`` float array (dimensionless, in [-1, 1]).
    """
    xmat = data.xmat[physics.names.ids("body", bodies)]
    rows = [_AXIS[e[0]] for e in entries]
    cols = [_AXIS[e[1]] for e in entries]
    return xmat[:, rows, cols] if len(entries) else jnp.zeros((len(bodies), 0))
