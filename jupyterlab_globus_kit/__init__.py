"""jupyterlab_globus_kit: the thin jupyter_server side of the Globus kit.

It decodes ``GLOBUS_DATA`` safely, keeps the tokens in the server process, and answers
the frontend's ``/globus-kit/*`` routes. The wheel also carries the prebuilt labextension.
"""

from __future__ import annotations

from typing import Any, Dict, List

__version__ = "0.1.0"


def _jupyter_labextension_paths() -> List[Dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyterlab-globus-kit"}]


def _jupyter_server_extension_points() -> List[Dict[str, str]]:
    return [{"module": "jupyterlab_globus_kit"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    """Decode GLOBUS_DATA once, register the routes, and give kernels the token broker."""
    from .broker_handlers import install_broker
    from .handlers import setup_handlers
    from .status import GlobusState

    state = GlobusState()
    manager = setup_handlers(server_app.web_app, state, server_app.log)
    install_broker(server_app, state, manager)
    if state.error is not None:
        # The error text names the problem, never payload content.
        server_app.log.warning("jupyterlab_globus_kit: %s", state.error)
    server_app.log.info(
        "jupyterlab_globus_kit: /globus-kit routes ready (GLOBUS_DATA %s)",
        "decoded" if state.data else "absent" if not state.present else "invalid",
    )
