// ConceptScope: Concept Graph on one stack, as the macro recorder writes it.
// The graph of one class (scope=class; without it the graph covers the whole data set, every
// predicted class, as the GIG paper builds it): PFV concept vectors of the class DAB-positive at
// two layers of the IHC stain model (3 concepts per layer: k-means of 500 pointwise feature
// vectors sampled by their contribution to the class),
// Generalized Integrated Gradients from every conv2/relu concept to every conv3/relu concept and
// from every conv3/relu concept to the class (32 path steps), each concept shown by the effective
// receptive fields of its 4 strongest PFVs, and every slice's concept maps.
// Results in save_dir: conv2_relu-concepts.json and conv3_relu-concepts.json (concept banks, also
// for Concept Localization), conv2_relu-erf-montage.tif and conv3_relu-erf-montage.tif,
// concept-graph.csv (one row per edge), concept-graph-nodes.csv, concept-graph.png (the graph),
// <title>-concept-graph.tif (image channels + one channel per concept, ROIs as overlay) and
// <title>-concept-graph-RoiSet.zip.
//
// Arguments (macro-option style, all optional when run from the editor):
//   image=[/path/stack.tif] model=[/path/model folder] save_dir=[/path/results]
// A folder of images works too: run("Concept Graph...", "model=[...] folder=[...] ...").
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
// Bad arguments end the macro with one sentence before any work (status 1 under -batch); getCommands builds the menus
// so that call() finds ConceptScope under -batch. Both in docs/fiji.md, "A macro's refusals".
menus = call("ij.Menus.getCommands");
if (call("org.conceptscope.fiji.ij1.MacroCalls.checkArguments", "concept_graph.ijm", args, "image model save_dir overwrite", "image model save_dir") != "") exit;
image = call("ij.Macro.getValue", args, "image", "");
model = call("ij.Macro.getValue", args, "model", "");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";
if (image == "") image = File.openDialog("Choose a stack of images (e.g. ihc-heldout-patches.tif)");
if (model == "") model = getDirectory("Choose the model folder (e.g. models/ihc-stain)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the concept graph");

setBatchMode(true);
if (call("org.conceptscope.fiji.ij1.MacroCalls.openImage", "concept_graph.ijm", "image", image) != "") exit;
run("Concept Graph...", "model=[" + model + "] layers=[conv2/relu,conv3/relu] scope=class target=DAB-positive concepts=3 samples=500 seed=42 steps=32 examples=4 erf_mass=0.9 top_fraction=0.1 output=channel save_dir=[" + saveDir + "]" + overwrite);
close("*");
setBatchMode(false);
