// ConceptScope: Attribution for every image of a folder, every slice of each stack.
// Headless-friendly (batch mode, no dialogs when arguments are given). Each image's results
// go into save_dir, named after the image: <title>-<method>.tif, <title>-<method>-RoiSet.zip,
// <title>-<method>-results.csv. Files that are not images (by extension) are skipped.
//
// Arguments (macro-option style, all optional when run from the editor):
//   input=[/path/images] model=[/path/model folder] save_dir=[/path/results]
//   method=integrated_gradients target=predicted
// e.g. ImageJ --headless -batch batch_folder.ijm "input=[...] model=[...] save_dir=[...]"

args = getArgument();
input = call("ij.Macro.getValue", args, "input", "");
model = call("ij.Macro.getValue", args, "model", "");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
method = call("ij.Macro.getValue", args, "method", "integrated_gradients");
target = call("ij.Macro.getValue", args, "target", "predicted");
if (input == "") input = getDirectory("Choose the folder of images");
if (model == "") model = getDirectory("Choose the model folder (it holds saved_model.pb)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the results");

setBatchMode(true);
files = getFileList(input);
done = 0;
for (i = 0; i < files.length; i++) {
	name = files[i];
	lower = toLowerCase(name);
	if (!(endsWith(lower, ".tif") || endsWith(lower, ".tiff") || endsWith(lower, ".png") || endsWith(lower, ".dcm")))
		continue;
	open(input + File.separator + name);
	showProgress(i, files.length);
	run("Attribution...", "model=[" + model + "] method=" + method + " target=[" + target + "] steps=32 output=channel top_fraction=0.1 save_dir=[" + saveDir + "]");
	close("*");
	done++;
}
setBatchMode(false);
print("ConceptScope batch: " + done + " image(s) explained, results in " + saveDir);
