export interface CruisedModule {
  source: string;
  dependencies: { resolved: string; dependencyTypes: string[] }[];
}
export type FolderGraph = Map<string, Map<string, string[]>>;

export declare function unitOf(modulePath: string): string | null;
export declare function folderGraph(modules: readonly CruisedModule[]): FolderGraph;
export declare function tangles(graph: FolderGraph): string[][];
export declare function cycles(graph: FolderGraph): string[][];
