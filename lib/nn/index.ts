// nn: modules and layers built from ops.
export { Module } from './module';
export type { StateDict, LoadStateDictOptions, LoadStateDictResult } from './module';
export { Layer, Conv2d, BatchNorm2d, Linear, ReLU, Dropout, Sequential } from './layers';
export type { Conv2dOptions, BatchNorm2dOptions, LinearOptions } from './layers';
export { ConvBnRelu, FeatureTransfer } from './blocks';
export type { BlockOptions } from './blocks';
export { seededRng, kaimingNormal } from './init';
export type { Rng } from './init';
