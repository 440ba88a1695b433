// ConceptScope: Feature Visualization (MACO) of one class, as the macro recorder writes it.
// The image keeps the mean magnitude spectrum of the open stack (your own images: their texture) and
// only its Fourier phase is optimised, on random crops, to raise the class's logit; recipe=simple also
// keeps the spectrum exactly and the stack's mean, the default recipe puts the values through a sigmoid
// into the stack's range instead.
// Results in save_dir: <model>-<class>-maco.tif (visualization channels + transparency channel),
// -scores.csv (target logit per step) and -scores.png.
//
// With head=[<save_dir>/head of Train Interpretable Head], target may also be a part or concept of that
// head (target=[part 5], target=[concept 2]), visualised through the model and the head.
//
// recipe=reference (default) runs MACO as its paper and Xplique do: a canvas larger than the model input,
// 32 random crops per step, noise, Nadam; recipe=simple runs the first, lighter variant (an input-sized image,
// one crop per step, Adam at learning rate 0.05).
//
// Arguments (macro-option style, all optional when run from the editor):
//   image=[/path/stack.tif] model=[/path/model folder] target=[class] save_dir=[/path/results], optional head=[...]
//   and recipe=[reference or simple]
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
// Bad arguments end the macro with one sentence before any work (status 1 under -batch); getCommands builds the menus
// so that call() finds ConceptScope under -batch. Both in docs/fiji.md, "A macro's refusals".
menus = call("ij.Menus.getCommands");
if (call("org.conceptscope.fiji.ij1.MacroCalls.checkArguments", "feature_visualization.ijm", args, "image model target save_dir head recipe overwrite", "image model save_dir") != "") exit;
image = call("ij.Macro.getValue", args, "image", "");
model = call("ij.Macro.getValue", args, "model", "");
target = call("ij.Macro.getValue", args, "target", "DAB-positive");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";

head = call("ij.Macro.getValue", args, "head", "");
recipe = call("ij.Macro.getValue", args, "recipe", "reference");
settings = " recipe=" + recipe + " steps=120 seed=42";
if (recipe == "simple") settings = settings + " learning_rate=0.05 crop=0.8";
if (head != "") head = " head=[" + head + "]";
if (image == "") image = File.openDialog("Choose images whose spectrum to keep (e.g. ihc-heldout-patches.tif)");
if (model == "") model = getDirectory("Choose the model folder (e.g. models/ihc-stain)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the visualization");

setBatchMode(true);
if (call("org.conceptscope.fiji.ij1.MacroCalls.openImage", "feature_visualization.ijm", "image", image) != "") exit;
run("Feature Visualization...", "model=[" + model + "]" + head + " target=[" + target + "]" + settings + " save_dir=[" + saveDir + "]" + overwrite);
close("*");
setBatchMode(false);
