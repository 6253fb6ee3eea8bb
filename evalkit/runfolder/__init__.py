"""The run folder: its layout, its typed contents, and every read and write of it.

    results/<run_id>/run.json              RunManifest (settings, targets, suites)
    results/<run_id>/records.jsonl         one Record per (target, suite, sample, epoch)
    results/<run_id>/samples/<suite>.jsonl the samples as the run saw them
    results/<run_id>/run.lock              held by the one process writing the folder

Nothing else in evalkit names these files. Writers: ``create_run_folder``
(folder, snapshot, run.json, all at once), ``RecordWriter`` (append, a torn
tail cut on reopen or on a failed write), ``rewrite_records`` and
``write_manifest`` (atomic); each holds the folder's ``RunLock``. A write the
disk refuses is a ``StorageError``.
Readers: typed (``read_records``, ``read_manifest``, ``read_samples``) and,
for bulk reads, plain dicts through one fast path (``read_record_dicts``,
``iter_record_chunks``, ``read_sample_dicts``, ``iter_sample_chunks``).
"""

from evalkit.runfolder.layout import (
    LOCK_FILE,
    MANIFEST_FILE,
    RECORDS_FILE,
    SAMPLES_DIR,
    is_run_dir,
    new_run_id,
    resolve_run_dir,
    snapshot_suites,
)
from evalkit.runfolder.lock import RunLock, lock_holder
from evalkit.runfolder.manifest import (
    create_run_folder,
    read_manifest,
    read_manifest_if_any,
    reopen_run_folder,
    write_manifest,
)
from evalkit.runfolder.models import (
    ErrorInfo,
    Key,
    Record,
    RunManifest,
    RunSettings,
    ScoreRecord,
    SuiteInfo,
    TargetInfo,
    utc_now,
)
from evalkit.runfolder.records import (
    RecordWriter,
    done_keys,
    drop_error_records,
    iter_record_chunks,
    read_record_dicts,
    read_records,
    rewrite_records,
)
from evalkit.runfolder.snapshot import (
    iter_sample_chunks,
    read_sample_dicts,
    read_samples,
    write_snapshot,
)

__all__ = [
    "LOCK_FILE",
    "MANIFEST_FILE",
    "RECORDS_FILE",
    "SAMPLES_DIR",
    "ErrorInfo",
    "Key",
    "Record",
    "RecordWriter",
    "RunLock",
    "RunManifest",
    "RunSettings",
    "ScoreRecord",
    "SuiteInfo",
    "TargetInfo",
    "create_run_folder",
    "done_keys",
    "drop_error_records",
    "is_run_dir",
    "iter_record_chunks",
    "iter_sample_chunks",
    "lock_holder",
    "new_run_id",
    "read_manifest",
    "read_manifest_if_any",
    "read_record_dicts",
    "read_records",
    "read_sample_dicts",
    "read_samples",
    "reopen_run_folder",
    "resolve_run_dir",
    "rewrite_records",
    "snapshot_suites",
    "utc_now",
    "write_manifest",
    "write_snapshot",
]
