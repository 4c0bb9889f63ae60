"""A one-machine JupyterHub for the JWT course (JupyterHub 6.1, configurable-http-proxy from npm).

Start it from the course folder, after `make setup` (see hub/README.md):

    WORKSHOP_PASSWORD=choose-one .venv/bin/jupyterhub -f hub/jupyterhub_config.py

Every learner logs in with any user name and the shared password, gets a JupyterLab of their
own with their own home folder (a copy of notebooks/ and exercises/ on first start) and opens
chapter 00. In-notebook servers are reached through jupyter-server-proxy
(`/user/NAME/proxy/PORT/`), which `Server.browser_url` prints.

Environment variables (all optional except the password):
    WORKSHOP_PASSWORD      the shared password (required; the dummy authenticator checks only it)
    WORKSHOP_HUB_IP        address the hub listens on (default 127.0.0.1: this machine only)
    WORKSHOP_HUB_PORT      its port (default 8000)
    WORKSHOP_HUB_API_PORT  the hub's internal API port (default 8081)
    WORKSHOP_PROXY_API_PORT the proxy's API port (default 8001)
    WORKSHOP_HUB_STATE     folder for the hub's database, cookie secret and learners' homes
                           (default hub/state beside this file)
    WORKSHOP_ADMIN         a user name that gets /hub/admin (only with real accounts: see below)
    WORKSHOP_HUB_USERS     "system": real Unix accounts (LocalProcessSpawner, the hub runs as
                           root, learners are isolated by the OS); default "simple": one Unix
                           account, a home folder per learner (fine for a trusted room or a
                           dry run, not isolation)

Everything listens on loopback unless WORKSHOP_HUB_IP says otherwise; beyond loopback put the
hub behind HTTPS (JupyterHub's ssl_cert/ssl_key or a reverse proxy) and use real accounts.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
COURSE = HERE.parent
VENV_BIN = Path(sys.executable).parent  # the course's .venv/bin: jupyterhub runs from it
STATE = Path(os.environ.get("WORKSHOP_HUB_STATE") or HERE / "state").resolve()
STATE.mkdir(parents=True, exist_ok=True)
IP = os.environ.get("WORKSHOP_HUB_IP", "127.0.0.1")
USERS = os.environ.get("WORKSHOP_HUB_USERS", "simple")

c = get_config()  # type: ignore[name-defined]  # noqa: F821 (provided by JupyterHub)

# -- network: the public proxy port, the hub's API and the proxy's API -----------------------
c.JupyterHub.bind_url = f"http://{IP}:{os.environ.get('WORKSHOP_HUB_PORT', '8000')}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("WORKSHOP_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('WORKSHOP_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.ConfigurableHTTPProxy.should_start = True

# -- state: nothing written into the course folder but hub/state ------------------------------
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops the learners' servers

# -- who may log in: any name, one shared password ------------------------------------------
c.JupyterHub.authenticator_class = "dummy"
password = os.environ.get("WORKSHOP_PASSWORD", "")
if len(password) < 8:
    sys.exit("hub/jupyterhub_config.py: set WORKSHOP_PASSWORD (8+ characters), the learners' shared password")
c.DummyAuthenticator.password = password
c.Authenticator.allow_all = True
# An admin (sees and stops everyone's server at /hub/admin) only when asked: with one shared
# password anyone could log in under the admin's name, so do it with real accounts only.
if os.environ.get("WORKSHOP_ADMIN"):
    c.Authenticator.admin_users = {os.environ["WORKSHOP_ADMIN"]}

# -- one JupyterLab per learner, from the course's own environment ---------------------------
if USERS == "system":
    c.JupyterHub.spawner_class = "localprocess"  # learners are Unix accounts (adduser); hub as root
else:
    c.JupyterHub.spawner_class = "simple"  # one Unix account, one home folder per learner
    c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "homes" / "{username}")
c.Spawner.cmd = [str(VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab/tree/notebooks/00_start_here.ipynb"
c.Spawner.environment = {
    "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # jwt-course and the kernels
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60
if os.geteuid() == 0 and USERS != "system":
    c.Spawner.args = ["--allow-root"]  # a container or CI box running everything as root


def copy_course(spawner) -> None:  # type: ignore[no-untyped-def]
    """Give a learner their own copy of the lessons and exercises on first start."""
    if USERS == "system":
        import pwd

        home = Path(pwd.getpwnam(spawner.user.name).pw_dir)
    else:
        home = Path(spawner.home_dir)
    home.mkdir(parents=True, exist_ok=True)
    for folder in ("notebooks", "exercises"):
        if not (home / folder).exists():
            shutil.copytree(COURSE / folder, home / folder)
            if USERS == "system":
                entry = pwd.getpwnam(spawner.user.name)
                for path in [home / folder, *(home / folder).rglob("*")]:
                    os.chown(path, entry.pw_uid, entry.pw_gid)


c.Spawner.pre_spawn_hook = copy_course
