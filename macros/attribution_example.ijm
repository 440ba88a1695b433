// ConceptScope: Attribution on one stack, as the macro recorder writes it.
// Every slice is explained for the class the model predicts; Sobol attribution (grid 8,
// 32 designs, seed 42) measures how much each grid cell changes the prediction.
// Results in save_dir: <title>-sobol.tif (image + heat-map channel, ROIs as overlay),
// <title>-sobol-RoiSet.zip (top 10 % of each map, one ROI per slice) and
// <title>-sobol-results.csv (one row per slice). Each slice's prediction and map maximum are
// printed, read from the command's table as any macro can.
//
// Arguments (macro-option style, all optional when run from the editor):
//   image=[/path/stack.tif] model=[/path/model folder] save_dir=[/path/results]
//   upsampling=bicubic|bilinear|nearest (how the grid of indices becomes a map; bicubic as
//   Xplique, bilinear keeps the map non-negative, nearest shows one block per cell)
// e.g. ./fiji-linux-x64 --headless --console -macro attribution_example.ijm "image=[...] model=[...] save_dir=[...]"
// (plain ImageJ 1.x needs a display: xvfb-run -a java -jar ij.jar -batch attribution_example.ijm "...")
// Optional overwrite (or overwrite=true): replace an earlier run's files in save_dir; without it a rerun into the
// same save_dir is refused, naming the file.

args = getArgument();
// Bad arguments end the macro with one sentence before any work (status 1 under -batch); getCommands builds the menus
// so that call() finds ConceptScope under -batch. Both in docs/fiji.md, "A macro's refusals".
menus = call("ij.Menus.getCommands");
if (call("org.conceptscope.fiji.ij1.MacroCalls.checkArguments", "attribution_example.ijm", args, "image model save_dir upsampling overwrite", "image model save_dir") != "") exit;
image = call("ij.Macro.getValue", args, "image", "");
model = call("ij.Macro.getValue", args, "model", "");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true): an earlier run's files in save_dir are replaced (passed on to the command); without it
// a rerun into the same save_dir is refused, naming the file
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";

upsampling = call("ij.Macro.getValue", args, "upsampling", "bicubic");
if (image == "") image = File.openDialog("Choose an image or stack");
if (model == "") model = getDirectory("Choose the model folder (a SavedModel, an unzipped bioimage.io package, or one holding a .pt or .onnx file)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the results");

setBatchMode(true);
if (call("org.conceptscope.fiji.ij1.MacroCalls.openImage", "attribution_example.ijm", "image", image) != "") exit;
run("Attribution...", "model=[" + model + "] method=sobol target=predicted grid=8 designs=32 seed=42 upsampling=" + upsampling + " output=channel top_fraction=0.1 save_dir=[" + saveDir + "]" + overwrite);
// The numbers, as a macro collects them: the per-slice table by its title, the result image's title
// and "-results" (headless, ImageJ keeps no titled table: the command's table is in Results instead).
results = getTitle() + "-results";
if (!isOpen(results)) results = "Results";
for (row = 0; row < Table.size(results); row++)
	print("slice " + Table.get("slice", row, results) + ": " + Table.getString("predicted", row, results) + ", map_max " + d2s(Table.get("map_max", row, results), 6));
if (results != "Results") close(results);
close("*");
setBatchMode(false);
