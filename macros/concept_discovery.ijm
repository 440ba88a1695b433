// ConceptScope: Concept Discovery on one stack, as the macro recorder writes it.
// CRAFT finds 4 concepts of the class DAB-positive at layer conv2/relu of the IHC stain model,
// from 16 x 16 crops every 8 pixels of every slice, and ranks them by Sobol importance.
// Results in save_dir: concepts.json (the concept bank, for Concept Localization), atlas.tif
// (one row per concept, its top example crops), importance.csv and importance.png.
//
// Arguments (macro-option style, all optional when run from the editor):
//   image=[/path/stack.tif] model=[/path/model folder] save_dir=[/path/results]
// A folder of images of one class works too: run("Concept Discovery...", "model=[...] folder=[...] ...").
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
// Bad arguments end the macro with one sentence before any work (status 1 under -batch); getCommands builds the menus
// so that call() finds ConceptScope under -batch. Both in docs/fiji.md, "A macro's refusals".
menus = call("ij.Menus.getCommands");
if (call("org.conceptscope.fiji.ij1.MacroCalls.checkArguments", "concept_discovery.ijm", args, "image model save_dir overwrite", "image model save_dir") != "") exit;
image = call("ij.Macro.getValue", args, "image", "");
model = call("ij.Macro.getValue", args, "model", "");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";
if (image == "") image = File.openDialog("Choose a stack of images (e.g. ihc-heldout-patches.tif)");
if (model == "") model = getDirectory("Choose the model folder (e.g. models/ihc-stain)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the concepts");

setBatchMode(true);
if (call("org.conceptscope.fiji.ij1.MacroCalls.openImage", "concept_discovery.ijm", "image", image) != "") exit;
run("Concept Discovery...", "model=[" + model + "] layer=conv2/relu target=DAB-positive patch=16 stride=8 concepts=4 seed=42 designs=32 examples=6 save_dir=[" + saveDir + "]" + overwrite);
close("*");
setBatchMode(false);
