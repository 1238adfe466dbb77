#!/bin/sh
# Makes the certificates docker-compose.tls.yml mounts: a CA for this stack and a certificate for
# the exporter, named as Prometheus reaches it (exporter) and as its healthcheck does (127.0.0.1).
#   ./make-tls.sh [DIR]   (default: tls/ beside this script; ignored by Git)
set -eu
dir=${1:-"$(dirname "$0")/tls"}
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
  -subj "/CN=partner-center-exporter compose CA" -keyout ca.key -out ca.crt \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=exporter" \
  -keyout exporter.key -out exporter.csr 2>/dev/null
printf 'subjectAltName=DNS:exporter,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > exporter.ext
openssl x509 -req -in exporter.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 \
  -extfile exporter.ext -out exporter.crt 2>/dev/null
rm -f exporter.csr exporter.ext ca.srl
chmod 600 ca.key exporter.key
echo "wrote $(pwd)/ca.crt, exporter.crt and exporter.key; the exporter (uid 1000) must read the key:"
echo "  sudo chown 1000 $(pwd)/exporter.key"
