#!/usr/bin/env python3
"""Exit 0 when every `name==version` line of the requirements files given is installed at that
version and the official SDK modules import; otherwise print what differs and exit 1.
Run by the interop harness with the venv's interpreter, on creation and on every reuse."""
import sys
from importlib.metadata import PackageNotFoundError, version

wrong = []
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, _, want = line.partition("==")
            try:
                have = version(name)
            except PackageNotFoundError:
                have = "not installed"
            if have != want:
                wrong.append(f"{name}: want {want}, have {have}")
try:
    import alibabacloud_dbs20190306.client  # noqa: F401
    import alibabacloud_tea_openapi.utils  # noqa: F401
    import aliyunsdkcore.auth.composer.rpc_signature_composer  # noqa: F401
except ImportError as exc:
    wrong.append(f"import failed: {exc}")
if wrong:
    print("; ".join(wrong))
    sys.exit(1)
