/**
 * The Node options the server runs with, wherever it runs: the Docker image's CMD (the Dockerfile
 * spells them out; test/deploy.test.ts checks the two agree), `npm start`, and bench:scale's pod.
 *
 * `--max-semi-space-size=8` (MiB): V8 sizes its young generation from the heap limit, and Node
 * takes the heap limit from the container's memory limit, so in a 512 MiB pod each semi-space is
 * 1 MiB, a sixteenth of V8's usual 16 MiB. A write allocates about 1.7 MB that dies young: with
 * 1 MiB a burst of 400 writes ran ~780 scavenges and promoted its garbage to the old generation,
 * which then had to be marked twice a second. With 8 MiB the same burst ran ~90 scavenges, at 40
 * writes a second instead of 35, using 5 ms less CPU a write (bench:write-phases in a 512 MiB
 * memory cgroup, 2026-12-06). It raises the heap limit by 21 MiB.
 */
export const SERVER_NODE_FLAGS = ["--max-semi-space-size=8"];
