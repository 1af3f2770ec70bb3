// Picks the OpenBLAS shared library the native kernels link against; binding.gyp runs it.
//   node find-openblas.cjs libs     -> linker arguments (the library path and an rpath to its folder)
//   node find-openblas.cjs defines  -> REIN_BLAS_OPENMP when the chosen build is the OpenMP one
//
// The OpenMP build of OpenBLAS is preferred: it runs on the same libgomp thread pool as the
// kernels' own OpenMP loops, so the two never oversubscribe the cores, and sgemm called from
// inside one of our parallel regions (batched attention heads) runs single-threaded by itself.
// The pthreads build works too (the kernels then call it only from the main thread).
// REIN_OPENBLAS=/path/to/libopenblas.so overrides the search (set REIN_OPENBLAS_OPENMP=1 if
// that library is an OpenMP build).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function candidates() {
  const list = [];
  const multiarch = [];
  for (const root of ['/usr/lib', '/usr/lib64']) {
    let entries = [];
    try {
      entries = fs.readdirSync(root);
    } catch {
      continue;
    }
    for (const e of entries) if (e.endsWith('-linux-gnu')) multiarch.push(path.join(root, e));
  }
  // Debian/Ubuntu: libopenblas0-openmp and libopenblas0-pthread.
  for (const dir of multiarch)
    list.push({ file: path.join(dir, 'openblas-openmp', 'libopenblas.so.0'), openmp: true });
  // Fedora/RHEL: libopenblaso is the OpenMP build.
  for (const dir of ['/usr/lib64', '/usr/lib'])
    list.push({ file: path.join(dir, 'libopenblaso.so.0'), openmp: true });
  for (const dir of multiarch) {
    list.push({ file: path.join(dir, 'openblas-pthread', 'libopenblas.so.0'), openmp: false });
    list.push({ file: path.join(dir, 'libopenblas.so.0'), openmp: false });
  }
  for (const dir of [
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
    '/opt/homebrew/opt/openblas/lib',
    '/usr/local/opt/openblas/lib',
  ]) {
    list.push({ file: path.join(dir, 'libopenblas.so.0'), openmp: false });
    list.push({ file: path.join(dir, 'libopenblas.so'), openmp: false });
    list.push({ file: path.join(dir, 'libopenblas.dylib'), openmp: false });
  }
  return list;
}

function choose() {
  const forced = process.env.REIN_OPENBLAS;
  if (forced) {
    if (!fs.existsSync(forced)) throw new Error(`REIN_OPENBLAS=${forced} does not exist`);
    return { file: forced, openmp: process.env.REIN_OPENBLAS_OPENMP === '1' };
  }
  const found = candidates().find((c) => fs.existsSync(c.file));
  if (!found) {
    throw new Error(
      'no OpenBLAS shared library found (Debian/Ubuntu: apt-get install libopenblas-dev libopenblas0-openmp; ' +
        'Fedora: dnf install openblas-devel; macOS: brew install openblas), or set REIN_OPENBLAS',
    );
  }
  return found;
}

try {
  const lib = choose();
  const mode = process.argv[2];
  if (mode === 'libs') {
    console.log(`${lib.file} -Wl,-rpath,${path.dirname(lib.file)}`);
  } else if (mode === 'defines') {
    console.log(lib.openmp ? 'REIN_BLAS_OPENMP=1' : 'REIN_BLAS_PTHREADS=1');
  } else {
    console.log(JSON.stringify(lib));
  }
} catch (err) {
  console.error(`rein native kernels: ${err.message}`);
  process.exit(1);
}
