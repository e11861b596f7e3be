"""A folder laid out and updated as the kubelet does a mounted ConfigMap volume.

The kubelet's atomic writer puts the files into a new timestamped folder, points a `..data_tmp` link
at it, renames that link over `..data` and removes the old folder. Each key is a link
`NAME -> ..data/NAME` that never changes, so no event ever comes on the file's own path: a program that
follows its config must watch the folder.
"""

import itertools
import os
import shutil
import time

_serial = itertools.count(1)


def write(folder, files):
    """Makes folder hold exactly `files` ({name: text}) the kubelet's way; returns {name: path}."""
    os.makedirs(folder, mode=0o755, exist_ok=True)
    stamp = f"..{time.strftime('%Y_%m_%d_%H_%M_%S')}.{os.getpid()}{next(_serial):06d}"
    os.mkdir(os.path.join(folder, stamp), 0o755)
    for name, text in files.items():
        path = os.path.join(folder, stamp, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
    data, tmp = os.path.join(folder, "..data"), os.path.join(folder, "..data_tmp")
    old = os.readlink(data) if os.path.islink(data) else None
    os.symlink(stamp, tmp)
    os.rename(tmp, data)
    paths = {}
    for name in files:
        link = os.path.join(folder, name)
        if not os.path.islink(link):
            os.symlink(os.path.join("..data", name), link)
        paths[name] = link
    if old is not None:
        shutil.rmtree(os.path.join(folder, old))
    return paths
