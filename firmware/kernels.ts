// The runtime's native byte loops (HAL kernels), handed to the modules that run them; without
// them (the simulation) those modules run their own JavaScript.
import type { Kernels } from '../hal/hal';
import { useNativeSumWords } from './wire/checksum';
import { useNativeCrc32 } from './util/crc32';
import { useNativeSha256 } from './util/sha256';

export function useKernels(kernels: Kernels | undefined): void {
  useNativeSumWords(kernels?.sumWords);
  useNativeCrc32(kernels?.crc32Update);
  useNativeSha256(kernels?.sha256Blocks);
}
