// gRPC server reflection (grpc/grpc doc/server-reflection.md) on Connect, so `buf curl` and grpcurl can
// list and call our services without proto files. Both grpc.reflection.v1 and the older v1alpha are
// served, each under its own generated descriptor: the URL path comes from the service's type name.
//
// ServerReflectionInfo is a bidi stream, so it needs HTTP/2 (h2c or TLS); over HTTP/1.1 it fails.
import { Code, type ConnectRouter } from "@connectrpc/connect";
import { toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import * as v1 from "@parley/gen/grpc/reflection/v1/reflection_pb";
import * as v1alpha from "@parley/gen/grpc/reflection/v1alpha/reflection_pb";

/** A request of either version: they differ only in their type names. */
type ReflectionRequest = v1.ServerReflectionRequest | v1alpha.ServerReflectionRequest;

/** The answer to one request, as a plain init shape that either version's response accepts. */
type Answer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

/** What reflection can find: files by name, the file defining each symbol, and extensions by extendee. */
interface ReflectionIndex {
  services: string[];
  files: Map<string, DescFile>;
  symbols: Map<string, DescFile>;
  extensions: Map<string, Map<number, DescFile>>;
}

/**
 * Registers grpc.reflection.v1 and v1alpha ServerReflection on a router. `services` are the services the
 * server exposes (e.g. the chat services and grpc.health.v1.Health); both reflection services are listed
 * too. Files, symbols and extensions of their files and of every transitive import are resolvable.
 */
export function registerReflection(router: ConnectRouter, services: DescService[]): void {
  const index = indexServices([...services, v1.ServerReflection, v1alpha.ServerReflection]);
  router.service(v1.ServerReflection, { serverReflectionInfo: (requests) => respond(requests, index) });
  router.service(v1alpha.ServerReflection, { serverReflectionInfo: (requests) => respond(requests, index) });
}

/** Answers each request in turn, echoing it as the protocol asks. */
async function* respond<R extends ReflectionRequest>(requests: AsyncIterable<R>, index: ReflectionIndex) {
  for await (const request of requests) {
    yield { validHost: request.host, originalRequest: request, messageResponse: answer(request, index) };
  }
}

function answer({ messageRequest: ask }: ReflectionRequest, index: ReflectionIndex): Answer {
  switch (ask.case) {
    case "listServices":
      return { case: "listServicesResponse", value: { service: index.services.map((name) => ({ name })) } };
    case "fileByFilename":
      return files(index.files.get(ask.value), `file "${ask.value}"`);
    case "fileContainingSymbol": {
      const symbol = ask.value.replace(/^\./, "");
      return files(index.symbols.get(symbol), `symbol "${symbol}"`);
    }
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = ask.value;
      const file = index.extensions.get(containingType)?.get(extensionNumber);
      return files(file, `extension ${extensionNumber} of "${containingType}"`);
    }
    case "allExtensionNumbersOfType": {
      const known = index.extensions.get(ask.value);
      if (!known && !index.symbols.has(ask.value))
        return error(Code.NotFound, `type "${ask.value}" not found`);
      const extensionNumber = [...(known?.keys() ?? [])];
      return { case: "allExtensionNumbersResponse", value: { baseTypeName: ask.value, extensionNumber } };
    }
    default:
      return error(Code.InvalidArgument, "no message_request set");
  }
}

/** A file and its transitive imports, each once, the file first, serialized as FileDescriptorProtos. */
function files(file: DescFile | undefined, what: string): Answer {
  if (!file) return error(Code.NotFound, `${what} not found`);
  const seen = new Set<DescFile>();
  const visit = (f: DescFile) => {
    if (seen.has(f)) return;
    seen.add(f);
    f.dependencies.forEach(visit);
  };
  visit(file);
  const fileDescriptorProto = [...seen].map(serialized);
  return { case: "fileDescriptorResponse", value: { fileDescriptorProto } };
}

/** Descriptors never change at run time: serialize each file once. */
const serializedFiles = new WeakMap<DescFile, Uint8Array>();
function serialized(file: DescFile): Uint8Array {
  let bytes = serializedFiles.get(file);
  if (!bytes) serializedFiles.set(file, (bytes = toBinary(FileDescriptorProtoSchema, file.proto)));
  return bytes;
}

function error(code: Code, errorMessage: string): Answer {
  // Connect's codes are gRPC's status codes, which error_code carries.
  return { case: "errorResponse", value: { errorCode: code, errorMessage } };
}

function indexServices(services: DescService[]): ReflectionIndex {
  const index: ReflectionIndex = {
    services: [...new Set(services.map((s) => s.typeName))],
    files: new Map(),
    symbols: new Map(),
    extensions: new Map(),
  };
  const addFile = (file: DescFile) => {
    if (index.files.has(file.proto.name)) return;
    index.files.set(file.proto.name, file);
    for (const type of nestedTypes(file)) {
      index.symbols.set(type.typeName, file);
      // Clients may also ask for the file of a method or a field by its full name.
      const members = type.kind === "service" ? type.methods : type.kind === "message" ? type.fields : [];
      for (const member of members) index.symbols.set(`${type.typeName}.${member.name}`, file);
      if (type.kind === "extension") {
        const byNumber = index.extensions.get(type.extendee.typeName) ?? new Map<number, DescFile>();
        index.extensions.set(type.extendee.typeName, byNumber.set(type.number, file));
      }
    }
    file.dependencies.forEach(addFile);
  };
  services.forEach((s) => addFile(s.file));
  return index;
}
