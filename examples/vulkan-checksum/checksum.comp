// Checksums one buffer of 32-bit words, in place in the memory it is given
// (an imported dma-buf): sum1 = sum of w[i], sum2 = sum of w[i] * (i + 1),
// both mod 2^32, i counted from first_word. checksum.c is the same on the CPU.
#version 450

layout (local_size_x = 256) in;

layout (std430, set = 0, binding = 0) readonly buffer Words
{
  uint w[];
} words;

layout (std430, set = 0, binding = 1) buffer Sums
{
  uint sum1;
  uint sum2;
} sums;

// The descriptor covers the whole dma-buf, so that it needs no offset
// alignment: the samples start at first_word.
layout (push_constant) uniform Range
{
  uint first_word;
  uint n_words;
} range;

shared uint part1[256];
shared uint part2[256];

void
main ()
{
  uint lid = gl_LocalInvocationID.x;
  uint i = gl_GlobalInvocationID.x;
  uint a = 0u;
  uint b = 0u;

  if (i < range.n_words) {
    a = words.w[range.first_word + i];
    b = a * (i + 1u);
  }
  part1[lid] = a;
  part2[lid] = b;
  memoryBarrierShared ();
  barrier ();

  // Tree reduction in shared memory: one atomic per workgroup and sum.
  for (uint stride = 128u; stride > 0u; stride >>= 1) {
    if (lid < stride) {
      part1[lid] += part1[lid + stride];
      part2[lid] += part2[lid + stride];
    }
    memoryBarrierShared ();
    barrier ();
  }

  if (lid == 0u) {
    atomicAdd (sums.sum1, part1[0]);
    atomicAdd (sums.sum2, part2[0]);
  }
}
