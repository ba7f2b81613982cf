# Sourced by the check scripts: ensure_venv DIR REQUIREMENTS makes the venv
# DIR with the pinned REQUIREMENTS, again whenever the requirements file
# changed (its copy in DIR tells what the venv holds).
ensure_venv() {
  local venv=$1 requirements=$2
  if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir -r "$requirements"
    cp "$requirements" "$venv/requirements.txt"
  fi
}
