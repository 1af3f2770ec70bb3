# The native kernel addon: C11 sources in c/, linked to the system OpenBLAS that
# find-openblas.cjs picks (its OpenMP build when installed), OpenMP for our own loops.
# Built by `npm install` (package.json's install script) into build/Release/rein_kernels.node.
#
# No -march=native: hot loops are multiversioned (target_clones, see c/common.h) for
# x86-64-v4 (AVX-512), v3 (AVX2+FMA) and baseline, so one build runs on any x86-64 and still
# uses AVX-512 where the CPU has it. -ffp-contract=fast lets a·b+c become one FMA; there is
# no -ffast-math (the kernels rely on IEEE infinities and NaN for masking and checks).
{
  "targets": [
    {
      "target_name": "rein_kernels",
      "sources": [
        "c/addon.c",
        "c/threads.c",
        "c/gemm.c",
        "c/elementwise.c",
        "c/layout.c",
        "c/softmax.c",
        "c/norms.c",
        "c/rope.c",
        "c/attention.c",
        "c/optim.c",
        "c/peak.c"
      ],
      "defines": ["<!@(node find-openblas.cjs defines)"],
      "cflags": ["-std=gnu11", "-O3", "-fopenmp", "-ffp-contract=fast", "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags!": ["-O2", "-O0", "-g"],
      "ldflags": ["-fopenmp"],
      "libraries": ["<!@(node find-openblas.cjs libs)", "-lm"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-std=gnu11", "-O3", "-Xpreprocessor", "-fopenmp", "-ffp-contract=fast"],
        "OTHER_LDFLAGS": ["-lomp"]
      }
    }
  ]
}
