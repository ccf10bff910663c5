#!/usr/bin/env python3
"""Clean a JSON Lines dataset with descrape on Spark (RDD API).

Every partition of the input is piped through one descrape process running in
its stdin/stdout JSON Lines mode:

    descrape clean - --input-format jsonl --output-format jsonl --quiet [EXTRA...]

Each input line is a JSON object with `id` and `text`; descrape writes the same
object back with `text` cleaned (other fields pass through untouched, in their
order). descrape keeps record order within a partition: its output lines come
in the order of its input lines, so the saved part files, read in name order,
hold the records in input order. Malformed lines are skipped by descrape and
reported on the executor's stderr; they do not fail the task. A non-zero exit
of descrape does fail the task (`checkCode=True`).

Examples
--------
    python clean_spark.py in.jsonl out/                       # local[*]
    python clean_spark.py 'dumps/*.jsonl.gz' out/ --partitions 8 -- --rules @nlp --annotate
    spark-submit --master yarn --files /opt/descrape/descrape \\
        clean_spark.py hdfs:///raw hdfs:///clean --descrape ./descrape
    spark-submit --master spark://host:7077 clean_spark.py hdfs:///raw hdfs:///clean \\
        --descrape target/release/descrape --ship --partitions 200

Everything after `--` (or any option this script does not know) is passed to
`descrape clean` unchanged.
"""

import argparse
import glob
import os
import shlex
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# The repository's own release build: examples/spark/../../target/release/descrape
REPO_BINARY = os.path.normpath(os.path.join(HERE, "..", "..", "target", "release", "descrape"))


def default_binary():
    """`descrape` on PATH, else the repository's release build."""
    return shutil.which("descrape") or REPO_BINARY


def resolve_binary(path):
    """Absolute path when the binary exists here (local mode, or a path that is
    the same on every node); otherwise the value as given, for a binary that
    only exists on the workers (e.g. `./descrape` shipped with --files)."""
    if os.path.sep not in path:
        found = shutil.which(path)
        if found:
            return os.path.abspath(found)
    elif os.path.isfile(path):
        return os.path.abspath(path)
    print(f"clean_spark: warning: {path!r} not found on the driver; "
          "assuming it exists on every worker", file=sys.stderr)
    return path


def parse_args(argv):
    p = argparse.ArgumentParser(
        allow_abbrev=False,
        description="Clean a JSON Lines dataset with descrape, one descrape process per Spark partition.",
        epilog="Arguments after `--`, and unknown options, are passed to `descrape clean`.",
    )
    p.add_argument("input", help="JSON Lines file, directory or glob (plain or .gz); any Hadoop path")
    p.add_argument("output", help="output directory (saveAsTextFile: part-NNNNN files)")
    p.add_argument("--descrape", default=None, metavar="PATH",
                   help=f"descrape binary [default: `descrape` on PATH, else {REPO_BINARY}]")
    p.add_argument("--partitions", "-p", type=int, default=None, metavar="N",
                   help="at least N partitions (N descrape processes); unsplittable input "
                        "such as a single .gz file is rebalanced keeping record order")
    p.add_argument("--master", default=None,
                   help="Spark master [default: spark.master from spark-submit, else local[*]]")
    p.add_argument("--worker-jobs", type=int, default=1, metavar="N",
                   help="descrape threads per partition (-j); Spark already runs one task "
                        "per core [default: 1; 0 = descrape's default, one per core]")
    p.add_argument("--ship", action="store_true",
                   help="send the descrape binary to every executor with SparkContext.addFile "
                        "instead of expecting it at the same path on every node")
    p.add_argument("--changes-dir", default=None, metavar="DIR",
                   help="write descrape's change log, one file per partition, to "
                        "DIR/changes-NNNNN.jsonl: a local path on each worker (or a shared mount)")
    p.add_argument("--compress", choices=["gzip", "bzip2"], default=None,
                   help="compress the output part files")
    p.add_argument("--overwrite", action="store_true", help="delete OUTPUT first if it exists")
    p.add_argument("--log-level", default="WARN", help="Spark log level [default: WARN]")
    p.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                   help="extra Spark configuration (repeatable)")
    argv = list(argv)
    after = []
    if "--" in argv:
        cut = argv.index("--")
        argv, after = argv[:cut], argv[cut + 1:]
    args, unknown = p.parse_known_args(argv)
    args.extra = unknown + after
    return args


def descrape_command(binary, worker_jobs, extra):
    argv = [binary, "clean", "-", "--input-format", "jsonl", "--output-format", "jsonl", "--quiet"]
    if worker_jobs:
        argv += ["--jobs", str(worker_jobs)]
    return argv + list(extra)


def pipe_partitions(rdd, argv, env, ship_name=None, changes_dir=None):
    """RDD.pipe with a command that can differ per partition: the binary
    shipped with SparkContext.addFile (found with SparkFiles.get on the
    worker), and/or a change log of its own per partition
    (CHANGES_DIR/changes-NNNNN.jsonl). Same streaming as RDD.pipe: a thread
    feeds the partition's lines to the child's stdin while its stdout lines
    are yielded; a non-zero exit fails the task."""
    def run(index, iterator):
        import subprocess
        import threading

        cmd = list(argv)
        if ship_name:
            from pyspark import SparkFiles
            cmd[0] = SparkFiles.get(ship_name)
        if changes_dir:
            os.makedirs(changes_dir, exist_ok=True)
            cmd += ["--changes", os.path.join(changes_dir, f"changes-{index:05d}.jsonl")]
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

        def feed():
            try:
                for line in iterator:
                    proc.stdin.write(str(line).rstrip("\n").encode("utf-8") + b"\n")
                proc.stdin.close()
            except BrokenPipeError:
                pass  # the child is gone; its exit code says why

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        for raw in iter(proc.stdout.readline, b""):
            yield raw.rstrip(b"\n").decode("utf-8")
        code = proc.wait()
        writer.join()
        if code:
            raise RuntimeError(f"partition {index}: {shlex.join(cmd)} exited with code {code}")

    return rdd.mapPartitionsWithIndex(run)


def rebalance_in_order(rdd, n):
    """Spread records over n partitions without changing their order: number
    them, then range-partition and sort by that number. (`repartition` would
    deal records round-robin and scramble the order.)"""
    return (rdd.zipWithIndex()
               .map(lambda pair: (pair[1], pair[0]))
               .sortByKey(ascending=True, numPartitions=n)
               .values())


def input_in_name_order(sc, path):
    """The input as a comma-separated list of its files sorted by path, so the
    partitions (and the part files) follow file name order. Hadoop lists a
    directory in whatever order the file system returns, which on a local
    disk is not name order. Like textFile, skips names starting with `_` or
    `.` and does not descend into subdirectories."""
    jvm = sc._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    fs = hpath.getFileSystem(sc._jsc.hadoopConfiguration())
    matches = fs.globStatus(hpath)
    if not matches:
        return path  # let textFile report the missing input
    files = []
    for status in matches:
        children = fs.listStatus(status.getPath()) if status.isDirectory() else [status]
        for child in children:
            name = child.getPath().getName()
            if child.isFile() and not name.startswith(("_", ".")):
                files.append(child.getPath().toString())
    if not files or any("," in f for f in files):
        return path
    return ",".join(sorted(files))


def delete_path(sc, path):
    """Delete a path on whatever Hadoop file system it lives on."""
    jvm = sc._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    fs = hpath.getFileSystem(sc._jsc.hadoopConfiguration())
    if fs.exists(hpath):
        fs.delete(hpath, True)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    binary = resolve_binary(args.descrape or default_binary())
    if args.ship and not os.path.isfile(binary):
        sys.exit(f"clean_spark: --ship: no file {binary!r} to ship")
    command = descrape_command(binary, args.worker_jobs, args.extra)

    from pyspark import SparkConf, SparkContext

    conf = SparkConf().setAppName("descrape-clean")
    if args.master:
        conf.setMaster(args.master)
    elif not conf.contains("spark.master"):
        conf.setMaster("local[*]")
    if conf.get("spark.master", "").startswith("local"):
        # Local mode: run the Python workers with this interpreter unless told otherwise.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    for item in args.conf:
        key, sep, value = item.partition("=")
        if not sep:
            sys.exit(f"clean_spark: --conf wants KEY=VALUE, got {item!r}")
        conf.set(key, value)
    sc = SparkContext(conf=conf)
    sc.setLogLevel(args.log_level)
    try:
        if args.overwrite:
            delete_path(sc, args.output)
        if args.changes_dir and sc.master.startswith("local"):
            # Local mode: the workers' directory is ours; drop the logs of an
            # earlier run, which may have had more partitions.
            for old in glob.glob(os.path.join(glob.escape(args.changes_dir), "changes-*.jsonl")):
                os.remove(old)

        source = args.input if "," in args.input else input_in_name_order(sc, args.input)
        lines = sc.textFile(source, minPartitions=args.partitions)
        if args.partitions and lines.getNumPartitions() < args.partitions:
            lines = rebalance_in_order(lines, args.partitions)

        env = {"PATH": os.environ.get("PATH", os.defpath)}
        if args.ship or args.changes_dir:
            ship_name = None
            if args.ship:
                sc.addFile(binary)
                ship_name = os.path.basename(binary)
            changes_dir = os.path.abspath(args.changes_dir) if args.changes_dir else None
            cleaned = pipe_partitions(lines, command, env, ship_name, changes_dir)
        else:
            # PySpark's RDD.pipe takes one command string (shlex.split on the
            # worker), not a list, and runs the child with exactly `env` as its
            # environment (empty by default): quote the argv, pass PATH along.
            cleaned = lines.pipe(shlex.join(command), env=env, checkCode=True)

        codec = {
            "gzip": "org.apache.hadoop.io.compress.GzipCodec",
            "bzip2": "org.apache.hadoop.io.compress.BZip2Codec",
        }.get(args.compress)
        start = time.monotonic()
        cleaned.saveAsTextFile(args.output, compressionCodecClass=codec)
        print(f"clean_spark: {args.input} -> {args.output}: "
              f"{cleaned.getNumPartitions()} partitions, master {sc.master}, "
              f"{time.monotonic() - start:.1f} s", file=sys.stderr)
        how = " (binary shipped with addFile)" if args.ship else ""
        if args.changes_dir:
            how += f" --changes {os.path.abspath(args.changes_dir)}/changes-NNNNN.jsonl"
        print(f"clean_spark: command: {shlex.join(command)}{how}", file=sys.stderr)
    finally:
        sc.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
