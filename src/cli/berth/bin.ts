import { main } from './main.ts';

// Layer unpacking keeps many file creations in flight (see src/image/unpack.ts).
// libuv reads this when its thread pool first starts: at the first fs call, after this line.
process.env.UV_THREADPOOL_SIZE ??= '12';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
