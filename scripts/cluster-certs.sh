#!/usr/bin/env bash
# Makes the certificates of a first actorshop cluster with the openssl command
# line: a cluster CA and, for every NODE, a key and a certificate signed by it,
# for the node port's mutual TLS (--node-cert, --node-key, --node-ca) and, when
# a node's name is its host name or address, for HTTPS (--http-tls-cert,
# --http-tls-key).
#
# Usage: scripts/cluster-certs.sh DIR NODE...
#   DIR/ca.crt          the CA certificate: --node-ca on every node
#   DIR/ca.key          the CA's key (0600): keep it off the nodes
#   DIR/NODE.crt        NODE's certificate: --node-cert on NODE
#   DIR/NODE.key        NODE's key (0600): --node-key on NODE
# A NODE is a host name or an IP address; it becomes the certificate's subject
# and subjectAltName. Every HTTP front is a node too: it connects to the others.
#
# Run again with more NODEs to add nodes: an existing CA is reused, and so is an
# existing NODE's certificate (delete NODE.crt and NODE.key to issue a new one).
# Environment: NODE_CERT_DAYS (default 365) and CA_CERT_DAYS (default 3650),
# the days the certificates are valid (a negative number makes one that has
# already expired, for tests).
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: scripts/cluster-certs.sh DIR NODE..." >&2
  exit 2
fi
command -v openssl >/dev/null || {
  echo "cluster-certs.sh: the openssl command is missing (apt-get install openssl)" >&2
  exit 1
}
dir="$1"
shift
node_days="${NODE_CERT_DAYS:-365}"
ca_days="${CA_CERT_DAYS:-3650}"
umask 077
mkdir -p "$dir"

# P-256 keys: short handshakes, and every TLS 1.2+ peer speaks ECDSA.
new_key() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

if [ ! -f "$dir/ca.crt" ]; then
  new_key "$dir/ca.key"
  openssl req -x509 -new -key "$dir/ca.key" -sha256 -days "$ca_days" \
    -subj "/O=actorshop/CN=actorshop cluster CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$dir/ca.crt"
  chmod 0644 "$dir/ca.crt"
  echo "cluster-certs.sh: made the CA $dir/ca.crt (its key $dir/ca.key stays here)"
fi

for node in "$@"; do
  case "$node" in
    ""|*/*|*" "*|ca)
      echo "cluster-certs.sh: '$node' is not a host name or address" >&2
      exit 2
      ;;
  esac
  if [ -f "$dir/$node.crt" ]; then
    echo "cluster-certs.sh: $dir/$node.crt exists, kept"
    continue
  fi
  # An address goes in as IP:, a name as DNS:, so a client that checks the
  # host it dialled (curl for HTTPS) accepts the certificate.
  if [[ "$node" =~ ^[0-9.]+$ || "$node" == *:* ]]; then
    san="IP:$node"
  else
    san="DNS:$node"
  fi
  [ "$node" = localhost ] && san="DNS:localhost,IP:127.0.0.1,IP:::1"
  ext="$(mktemp)"
  csr="$(mktemp)"
  trap 'rm -f "$ext" "$csr"' EXIT
  printf '%s\n' \
    "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth,clientAuth" \
    "subjectAltName=$san" > "$ext"
  new_key "$dir/$node.key"
  openssl req -new -key "$dir/$node.key" -subj "/O=actorshop/CN=$node" -out "$csr"
  openssl x509 -req -in "$csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
    -CAcreateserial -sha256 -days "$node_days" -extfile "$ext" \
    -out "$dir/$node.crt" 2>/dev/null
  chmod 0644 "$dir/$node.crt"
  rm -f "$ext" "$csr"
  trap - EXIT
  echo "cluster-certs.sh: made $dir/$node.crt and $dir/$node.key ($san, $node_days days)"
done
