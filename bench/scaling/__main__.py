"""`python -m bench.scaling`: run the grid, then write its section of bench/RESULTS.md."""

import argparse

from bench.common import write_section
from bench.scaling.report import BEGIN, END, Grid, section
from bench.scaling.runs import Bench


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scaling")
    parser.add_argument("--web", default="1,2,4", help="gunicorn processes to try (ingest)")
    parser.add_argument(
        "--workers", default="1x1,1x2,1x4,2x1,4x1", help="qcluster processes x Q_WORKERS (paging)"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="per ingest point")
    parser.add_argument("--clients", type=int, default=16, help="ingest's keep-alive clients")
    parser.add_argument("--backlog", type=int, default=300, help="dispatches per paging point")
    args = parser.parse_args()
    try:
        web = [int(n) for n in args.web.split(",") if n]
        pairs = [pw.split("x") for pw in args.workers.split(",") if pw]
        workers = [(int(p), int(w)) for p, w in pairs]
    except ValueError:
        parser.error("--web takes counts like 1,2,4; --workers takes PxW like 1x4,2x1")

    bench = Bench(backlog=args.backlog)
    grid = Grid(command=_command(args))
    try:
        bench.prepare()
        for processes in web:
            for one_source in (False, True):
                point = bench.ingest(
                    processes=processes,
                    one_source=one_source,
                    seconds=args.seconds,
                    clients=args.clients,
                )
                grid.ingest.append(point)
                print(f"ingest {point.label}: {point.load.rate:.0f} events/s", flush=True)
        for processes, each in workers:
            point = bench.paging(processes=processes, workers=each)
            grid.paging.append(point)
            print(f"paging {point.label}: {point.pages_per_second:.1f} pages/s", flush=True)
        grid.commits = {notify: bench.commits(notify=notify) for notify in (False, True)}
    finally:
        bench.close()
        print(f"the processes' logs are in {bench.logs}")
    write_section(begin=BEGIN, end=END, section=section(grid, args))


def _command(args: argparse.Namespace) -> str:
    return (
        f"python -m bench.scaling --web {args.web} --workers {args.workers} "
        f"--seconds {args.seconds:g} --clients {args.clients} --backlog {args.backlog}"
    )


if __name__ == "__main__":
    main()
