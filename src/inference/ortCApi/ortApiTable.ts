/**
 * Where each function the engine calls sits in onnxruntime's `struct OrtApi`, a table of function
 * pointers read through koffi. The indices are the member positions in the public
 * include/onnxruntime/core/session/onnxruntime_c_api.h; onnxruntime only ever appends to that struct
 * (older members never move, so one table serves every API version from the one each function came
 * in), and every function here predates API 13. Counted member by member from the header, and checked
 * at load: a wrong index would call the wrong function, so the self-test in OrtCApi.load round-trips
 * a status through CreateStatus/GetErrorCode/GetErrorMessage before anything else runs.
 */
export const ORT_API_VERSION = 30;

/** The onnxruntime release whose header ORT_API_VERSION comes from (onnxruntime-node's version). */
export const ORT_RELEASE = '1.30.0';

/** `typedef ... (ORT_API_CALL* Name)(...)` for each function: its koffi prototype and its slot. */
export const ortApiFunctions = {
  CreateStatus: [0, 'void *CreateStatus(int code, const char *msg)'],
  GetErrorCode: [1, 'int GetErrorCode(void *status)'],
  GetErrorMessage: [2, 'const char *GetErrorMessage(void *status)'],
  CreateEnv: [3, 'void *CreateEnv(int level, const char *logid, _Out_ void **out)'],
  CreateSession: [7, 'void *CreateSession(void *env, const char *path, void *options, _Out_ void **out)'],
  CreateSessionOptions: [10, 'void *CreateSessionOptions(_Out_ void **out)'],
  SetSessionGraphOptimizationLevel: [23, 'void *SetSessionGraphOptimizationLevel(void *options, int level)'],
  SetIntraOpNumThreads: [24, 'void *SetIntraOpNumThreads(void *options, int threads)'],
  SetInterOpNumThreads: [25, 'void *SetInterOpNumThreads(void *options, int threads)'],
  SessionGetInputCount: [30, 'void *SessionGetInputCount(void *session, _Out_ size_t *out)'],
  SessionGetOutputCount: [31, 'void *SessionGetOutputCount(void *session, _Out_ size_t *out)'],
  SessionGetOutputTypeInfo: [34, 'void *SessionGetOutputTypeInfo(void *session, size_t index, _Out_ void **out)'],
  SessionGetInputName: [36, 'void *SessionGetInputName(void *session, size_t index, void *allocator, _Out_ void **out)'],
  SessionGetOutputName: [37, 'void *SessionGetOutputName(void *session, size_t index, void *allocator, _Out_ void **out)'],
  CreateTensorWithDataAsOrtValue: [
    49,
    'void *CreateTensorWithDataAsOrtValue(void *info, void *data, size_t bytes, int64_t *shape, size_t rank, int type, _Out_ void **out)',
  ],
  GetTensorMutableData: [51, 'void *GetTensorMutableData(void *value, _Out_ void **out)'],
  CastTypeInfoToTensorInfo: [55, 'void *CastTypeInfoToTensorInfo(void *typeInfo, _Out_ void **out)'],
  GetTensorElementType: [60, 'void *GetTensorElementType(void *info, _Out_ int *out)'],
  GetDimensionsCount: [61, 'void *GetDimensionsCount(void *info, _Out_ size_t *out)'],
  GetDimensions: [62, 'void *GetDimensions(void *info, _Out_ int64_t *dims, size_t count)'],
  GetTensorTypeAndShape: [65, 'void *GetTensorTypeAndShape(void *value, _Out_ void **out)'],
  CreateCpuMemoryInfo: [69, 'void *CreateCpuMemoryInfo(int allocatorType, int memType, _Out_ void **out)'],
  AllocatorFree: [76, 'void *AllocatorFree(void *allocator, void *p)'],
  GetAllocatorWithDefaultOptions: [78, 'void *GetAllocatorWithDefaultOptions(_Out_ void **out)'],
  ReleaseEnv: [92, 'void ReleaseEnv(void *env)'],
  ReleaseStatus: [93, 'void ReleaseStatus(void *status)'],
  ReleaseMemoryInfo: [94, 'void ReleaseMemoryInfo(void *info)'],
  ReleaseSession: [95, 'void ReleaseSession(void *session)'],
  ReleaseValue: [96, 'void ReleaseValue(void *value)'],
  ReleaseTypeInfo: [98, 'void ReleaseTypeInfo(void *typeInfo)'],
  ReleaseTensorTypeAndShapeInfo: [99, 'void ReleaseTensorTypeAndShapeInfo(void *info)'],
  ReleaseSessionOptions: [100, 'void ReleaseSessionOptions(void *options)'],
  AddSessionConfigEntry: [130, 'void *AddSessionConfigEntry(void *options, const char *key, const char *value)'],
  RunWithBinding: [133, 'void *RunWithBinding(void *session, void *runOptions, void *binding)'],
  CreateIoBinding: [134, 'void *CreateIoBinding(void *session, _Out_ void **out)'],
  ReleaseIoBinding: [135, 'void ReleaseIoBinding(void *binding)'],
  BindInput: [136, 'void *BindInput(void *binding, const char *name, void *value)'],
  BindOutput: [137, 'void *BindOutput(void *binding, const char *name, void *value)'],
  BindOutputToDevice: [138, 'void *BindOutputToDevice(void *binding, const char *name, void *memoryInfo)'],
  GetBoundOutputValues: [140, 'void *GetBoundOutputValues(void *binding, void *allocator, _Out_ void **values, _Out_ size_t *count)'],
  ClearBoundInputs: [141, 'void ClearBoundInputs(void *binding)'],
  ClearBoundOutputs: [142, 'void ClearBoundOutputs(void *binding)'],
} as const;

export type OrtApiFunctionName = keyof typeof ortApiFunctions;

/** ONNXTensorElementDataType values the engine uses. */
export const OrtElementType = { float32: 1, int64: 7 } as const;

/** GraphOptimizationLevel: ORT_ENABLE_ALL, what onnxruntime-node's 'all' maps to. */
export const ORT_ENABLE_ALL = 99;

/** OrtLoggingLevel ORT_LOGGING_LEVEL_WARNING, onnxruntime-node's default. */
export const ORT_LOGGING_LEVEL_WARNING = 2;

/** OrtAllocatorType OrtArenaAllocator and OrtMemType OrtMemTypeDefault, as onnxruntime's C++ `MemoryInfo::CreateCpu` is usually called. */
export const OrtArenaAllocator = 1;
export const OrtMemTypeDefault = 0;
