#!/usr/bin/env bash
# Print the path of a Python >= 3.12 (Django 6.1 needs it), or explain and fail.
# pyenv machines honour .python-version, so plain python3 is tried too.
for candidate in python3.14 python3.13 python3.12 python3 python; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if "$path" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    echo "$path"
    exit 0
  fi
done
for dir in "$HOME"/.pyenv/versions/3.1[2-9]*; do
  if [ -x "$dir/bin/python3" ]; then echo "$dir/bin/python3"; exit 0; fi
done
echo "LeucoCases needs Python 3.12 or newer (Django 6.1 requires it), and none was found." >&2
echo "Install one (e.g. 'pyenv install 3.12.1', or apt-get install python3.12) and run make again." >&2
exit 1
