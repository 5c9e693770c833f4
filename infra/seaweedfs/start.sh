#!/bin/sh
# Entrypoint of the seaweedfs service in infra/compose.yaml: render the S3 identities file from the environment,
# then hand over to the image's own entrypoint with the compose command line (`server ... -s3.config=PATH`).
# SeaweedFS reads -s3.config as plain JSON without variable expansion, and keys must not be committed, so
# s3.json.template holds placeholders that are filled in here, inside the container only.
set -eu

: "${AWS_ACCESS_KEY_ID:?set AWS_ACCESS_KEY_ID (see infra/.env.example)}"
: "${AWS_SECRET_ACCESS_KEY:?set AWS_SECRET_ACCESS_KEY (see infra/.env.example)}"
template=${S3_CONFIG_TEMPLATE:-/etc/seaweedfs/s3.json.template}

# The rendered file goes where the command line's -s3.config says: one place to change it.
config=
for arg in "$@"; do
    case $arg in -s3.config=*) config=${arg#-s3.config=} ;; esac
done
if [ -z "$config" ]; then
    echo "start.sh: the weed command line needs -s3.config=PATH (where the rendered file goes)" >&2
    exit 2
fi

# The values land inside JSON strings: refuse quotes and backslashes rather than half-escape them.
for value in "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY"; do
    case $value in *[\"\\]*)
        echo "start.sh: S3 keys must not contain quotes or backslashes" >&2
        exit 2 ;;
    esac
done
# Escape what sed treats specially in a replacement (& and the | delimiter); AWS-style keys may hold / and +.
escape() { printf '%s' "$1" | sed -e 's/[&|]/\\&/g'; }

(
    umask 077
    mkdir -p "$(dirname "$config")"
    sed -e "s|__AWS_ACCESS_KEY_ID__|$(escape "$AWS_ACCESS_KEY_ID")|g" \
        -e "s|__AWS_SECRET_ACCESS_KEY__|$(escape "$AWS_SECRET_ACCESS_KEY")|g" \
        "$template" >"$config"
)
# Images that start as root drop to the `seaweed` user in /entrypoint.sh: that user must read the file.
if [ "$(id -u)" = 0 ] && id seaweed >/dev/null 2>&1; then
    chown seaweed "$(dirname "$config")" "$config"
fi

# The image's /entrypoint.sh fixes /data ownership, drops privileges and adds the image's defaults
# (-dir=/data, ...); flags given here come after its defaults and win.
image_entrypoint=${SEAWEEDFS_ENTRYPOINT:-/entrypoint.sh}
if [ -x "$image_entrypoint" ]; then
    exec "$image_entrypoint" "$@"
fi
exec weed "$@"
