#!/usr/bin/env bash
# Regenerates Sources/SyncEngine/Protocol/Generated/fieldbook.pb.swift and fieldbook_v2.pb.swift from
# Protocol/fieldbook.proto and Protocol/fieldbook_v2.proto.
#
# Needs protoc (Debian: protobuf-compiler) and protoc-gen-swift 1.39.0, built once from the mirror:
#   git clone --branch 1.39.0 https://github.com/apple/swift-protobuf.git /tmp/swift-protobuf
#   (cd /tmp/swift-protobuf && swift build --product protoc-gen-swift)
# The generated file is committed, so building Fieldbook needs neither.
set -euo pipefail
cd "$(dirname "$0")/.."
plugin="${PROTOC_GEN_SWIFT:-/tmp/swift-protobuf/.build/debug/protoc-gen-swift}"
out=Sources/SyncEngine/Protocol/Generated
mkdir -p "$out"
protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Public --swift_out="$out" \
    --proto_path=Protocol Protocol/fieldbook.proto Protocol/fieldbook_v2.proto
echo "wrote $out/fieldbook.pb.swift and $out/fieldbook_v2.pb.swift"
