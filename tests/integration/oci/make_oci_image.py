#!/usr/bin/python3
# Writes a small multi-layer OCI image layout (tests/integration/oci):
#   make_oci_image.py OUT_DIR TAG LAYERS BYTES_PER_LAYER
# Each layer is a gzipped tar of one file of incompressible bytes (so blob
# sizes are what the test asks for); prints one JSON line:
#   {"manifest": "sha256:...", "config": "sha256:...", "layers": ["sha256:...", ...]}
import gzip, hashlib, io, json, os, sys, tarfile

out, tag, layers, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)


def put(data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(out, "blobs", "sha256", d), "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)


descs, diff_ids = [], []
for i in range(layers):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as t:
        data = os.urandom(size)
        info = tarfile.TarInfo("layer%d.bin" % i)
        info.size, info.mtime = len(data), 0
        t.addfile(info, io.BytesIO(data))
    tar = raw.getvalue()
    diff_ids.append("sha256:" + hashlib.sha256(tar).hexdigest())
    digest, n = put(gzip.compress(tar, mtime=0))
    descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                  "digest": digest, "size": n})
config = {"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/layer0.bin"]},
          "rootfs": {"type": "layers", "diff_ids": diff_ids}}
config_digest, config_size = put(json.dumps(config).encode())
manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": config_digest, "size": config_size},
            "layers": descs}
manifest_digest, manifest_size = put(json.dumps(manifest).encode())
index = {"schemaVersion": 2, "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest,
     "size": manifest_size, "annotations": {"org.opencontainers.image.ref.name": tag}}]}
with open(os.path.join(out, "index.json"), "w") as f:
    json.dump(index, f)
with open(os.path.join(out, "oci-layout"), "w") as f:
    f.write('{"imageLayoutVersion":"1.0.0"}')
print(json.dumps({"manifest": manifest_digest, "config": config_digest,
                  "layers": [d["digest"] for d in descs]}))
