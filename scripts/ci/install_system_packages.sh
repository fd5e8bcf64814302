#!/usr/bin/env bash
# Debian packages the tests run for real: Tesseract (OCR), Samba AD DC + smbclient (Windows
# shares with NTFS ACLs, Active Directory), Dovecot (IMAP), PostgreSQL (SQL source),
# Chromium (end-to-end tests of the web app, driven by Playwright), and a C++ toolchain:
# llama-cpp-python (the tests' in-process model) compiles from source.
# Installs only what is missing; needs root (CI runs as root). Services are not started
# by the packages: the tests start their own servers on loopback in temporary folders.
set -euo pipefail

PACKAGES=(
    tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng
    samba samba-ad-dc smbclient slapd ldap-utils
    dovecot-imapd openssl util-linux
    postgresql
    chromium
    build-essential cmake
)

missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "The tests need these Debian packages: ${missing[*]}" >&2
    echo "Install them once:  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "Installing Debian packages for the tests: ${missing[*]}"
# Keep package scripts from starting system services (smbd, dovecot, postgresql).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1
fi
trap '[ $created_policy -eq 1 ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
