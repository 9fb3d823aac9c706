// Neural language models: configs and presets, the architecture registry, the model, its directory format.
export {
  architecture,
  architectures,
  type BuildNeuralOptions,
  buildNeuralModel,
  inputLayers,
  type NeuralArchitecture,
  outputLayers,
} from "./build.js";
export * from "./config.js";
export * from "./embedding-init.js";
export * from "./gpt.js";
export * from "./io.js";
export * from "./io-layers.js";
export * from "./model.js";
export * from "./nplm.js";
