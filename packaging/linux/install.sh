#!/usr/bin/env bash
# Install (or uninstall) the Fieldkit desktop app from its Linux tarball.
#
#   sudo ./install.sh                      # /opt/fieldkit, /usr/local/bin/fieldkit, menu entry
#   ./install.sh --prefix ~/.local         # per user: ~/.local/lib/fieldkit, ~/.local/bin, ...
#   sudo ./install.sh --uninstall          # removes exactly what an install put there
#
# Options:
#   --prefix DIR   where the command link, menu entry and icon go: DIR/bin/fieldkit,
#                  DIR/share/applications/fieldkit.desktop and
#                  DIR/share/icons/hicolor/scalable/apps/fieldkit.svg (default /usr/local)
#   --appdir DIR   where the app folder goes (default /opt/fieldkit, or DIR/lib/fieldkit
#                  when --prefix is given)
#   --bundle DIR   the one-folder app to install (default: the fieldkit/ folder beside this
#                  script, as in the tarball)
#   --uninstall    remove an installation made with the same --prefix and --appdir
#
# Vaults are never touched: they live in each user's data folder, not in the app folder.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
prefix=/usr/local
appdir=
bundle=$here/fieldkit
uninstall=0
MARKER=.fieldkit-install

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "install.sh: $*" >&2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

while (($#)); do
    case $1 in
        --prefix) prefix=${2:?--prefix needs a folder}; appdir=${appdir:-$prefix/lib/fieldkit}; shift 2 ;;
        --prefix=*) prefix=${1#*=}; appdir=${appdir:-$prefix/lib/fieldkit}; shift ;;
        --appdir) appdir=${2:?--appdir needs a folder}; shift 2 ;;
        --appdir=*) appdir=${1#*=}; shift ;;
        --bundle) bundle=${2:?--bundle needs a folder}; shift 2 ;;
        --bundle=*) bundle=${1#*=}; shift ;;
        --uninstall) uninstall=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done
appdir=${appdir:-/opt/fieldkit}
[[ $prefix == /* && $appdir == /* ]] || die "--prefix and --appdir must be absolute paths"
appdir=${appdir%/}
[[ -n $appdir && $appdir != / ]] || die "refusing to use / as the app folder"

bin_link=$prefix/bin/fieldkit
desktop=$prefix/share/applications/fieldkit.desktop
icon=$prefix/share/icons/hicolor/scalable/apps/fieldkit.svg

refresh_menus() {
    # Best effort: desktops also notice new files on their own.
    if command -v update-desktop-database >/dev/null; then
        update-desktop-database -q "$prefix/share/applications" 2>/dev/null || true
    fi
    if command -v gtk-update-icon-cache >/dev/null; then
        gtk-update-icon-cache -q -t "$prefix/share/icons/hicolor" 2>/dev/null || true
    fi
}

if ((uninstall)); then
    if [[ -d $appdir ]]; then
        [[ -f $appdir/$MARKER ]] || die "$appdir was not made by this installer; not removing it"
        rm -rf -- "$appdir"
        say "removed $appdir"
    fi
    # The link only if it points into our app folder; the menu entry and icon only if ours.
    if [[ -L $bin_link && $(readlink "$bin_link") == "$appdir/"* ]]; then
        rm -f -- "$bin_link"
        say "removed $bin_link"
    fi
    for file in "$desktop" "$icon"; do
        if [[ -f $file ]] && grep -q "Fieldkit" "$file"; then
            rm -f -- "$file"
            say "removed $file"
        fi
    done
    refresh_menus
    say "Fieldkit is uninstalled (vaults in users' data folders are kept)"
    exit 0
fi

[[ -x $bundle/fieldkit && -d $bundle/_internal ]] ||
    die "no app bundle at $bundle (expected $bundle/fieldkit and $bundle/_internal)"
for file in fieldkit.desktop fieldkit.svg; do
    [[ -f $here/$file ]] || die "$here/$file is missing"
done
if [[ -e $appdir && ! -f $appdir/$MARKER ]]; then
    die "$appdir exists and was not made by this installer; remove it or choose --appdir"
fi
if [[ -e $bin_link && ! -L $bin_link ]]; then
    die "$bin_link exists and is not a link; remove it first"
fi

version=$("$bundle/fieldkit" --version 2>/dev/null) || die "$bundle/fieldkit does not run here"

# Copy beside the old version, then swap, so a failed copy leaves the old version working.
parent=$(dirname "$appdir")
mkdir -p "$parent" "$prefix/bin" "$(dirname "$desktop")" "$(dirname "$icon")"
staging=$(mktemp -d "$parent/.fieldkit-new.XXXXXX")
trap 'rm -rf -- "$staging"' EXIT
cp -R "$bundle/." "$staging/"
printf 'installed %s from %s\n' "$version" "$bundle" >"$staging/$MARKER"
chmod -R u+rwX,go+rX,go-w "$staging"
if [[ -d $appdir ]]; then
    old=$(mktemp -d "$parent/.fieldkit-old.XXXXXX")
    mv -- "$appdir" "$old/app"
    mv -- "$staging" "$appdir"
    rm -rf -- "$old"
else
    mv -- "$staging" "$appdir"
fi
trap - EXIT

ln -sfn -- "$appdir/fieldkit" "$bin_link"
exec_path=$appdir/fieldkit
exec_field=$exec_path
if [[ $exec_path == *" "* ]]; then
    exec_field="\"$exec_path\""  # the desktop entry spec's quoting for Exec
fi
# sed replacement text: escape &, \ and the | delimiter.
sed_escape() { printf '%s' "$1" | sed 's/[&\\|]/\\&/g'; }
sed -e "s|^Exec=.*|Exec=$(sed_escape "$exec_field")|" \
    -e "s|^TryExec=.*|TryExec=$(sed_escape "$exec_path")|" \
    "$here/fieldkit.desktop" >"$desktop"
install -m 0644 "$here/fieldkit.svg" "$icon"
chmod 0644 "$desktop"
refresh_menus

say "installed $version into $appdir"
say "command: $bin_link; menu entry: $desktop"
