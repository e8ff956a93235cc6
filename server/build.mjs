// Bundles the server, the CLI and the worker threads' scripts for `node dist/…` (build-options.mjs).
import { build } from 'esbuild'
import { serverBuild, THREAD_ENTRIES } from './build-options.mjs'

await build(
  serverBuild('dist', {
    main: 'src/main.ts',
    cli: 'src/cli.ts',
    ...THREAD_ENTRIES,
    // Not a thread: the bench's bare writer (bench/bare-writer.mjs) feeds the writer thread through it.
    'writer-channel': 'src/services/writer-channel.ts',
  }),
)
