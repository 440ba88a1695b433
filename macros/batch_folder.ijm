// ConceptScope: Attribution for every image of a folder, every slice of each stack.
// Headless-friendly (batch mode, no dialogs when arguments are given). Each image's results
// go into save_dir, named after the image: <title>-<method>.tif, <title>-<method>-RoiSet.zip,
// <title>-<method>-results.csv, where <title> is the file's name without its extension (a.tif: a),
// or with it when two images of the folder share that name (a.tif and a.png: a_tif and a_png), so
// no image's results replace another's. Images are the files the batch runner reads (.tif, .tiff,
// .png, .jpg, .jpeg, .dcm, any case); other files are passed over; an image that cannot be opened or
// explained is skipped with its reason (the run goes on), and batch-summary.csv in save_dir lists
// every image as explained or skipped, with why, and the title its results are named after.
// First the model is checked with Model Info, whose report goes to save_dir too (<model>-info.txt and
// <model>-layers.csv, written again on every run) and to the Log: a bad model stops the run before any image.
//
// Arguments (macro-option style, all optional when run from the editor):
//   input=[/path/images] model=[/path/model folder] save_dir=[/path/results]
//   method=integrated_gradients target=predicted overwrite
// e.g. ./fiji-linux-x64 --headless --console -macro batch_folder.ijm "input=[...] model=[...] save_dir=[...]"
// (plain ImageJ 1.x needs a display: xvfb-run -a java -jar ij.jar -batch batch_folder.ijm "...")
// A rerun into the same save_dir skips the images whose results are there (with the sentence naming
// their file); with overwrite (or overwrite=true) it explains them again, replacing their files.

args = getArgument();
// Bad arguments end the macro with one sentence before any work (status 1 under -batch); getCommands builds the menus
// so that call() finds ConceptScope under -batch. Both in docs/fiji.md, "A macro's refusals".
menus = call("ij.Menus.getCommands");
if (call("org.conceptscope.fiji.ij1.MacroCalls.checkArguments", "batch_folder.ijm", args, "input model save_dir method target overwrite", "input model save_dir") != "") exit;
input = call("ij.Macro.getValue", args, "input", "");
model = call("ij.Macro.getValue", args, "model", "");
saveDir = call("ij.Macro.getValue", args, "save_dir", "");
// overwrite (or overwrite=true), passed on to Attribution: an image's earlier results are replaced, not skipped
overwrite = "";
if (matches(" " + replace(args, "\\[[^\\]]*\\]", "") + " ", ".* overwrite(=true)? .*")) overwrite = " overwrite";
method = call("ij.Macro.getValue", args, "method", "integrated_gradients");
target = call("ij.Macro.getValue", args, "target", "predicted");
if (input == "") input = getDirectory("Choose the folder of images");
if (model == "") model = getDirectory("Choose the model folder (a SavedModel, an unzipped bioimage.io package, or one holding a .pt or .onnx file)");
if (saveDir == "") saveDir = getDirectory("Choose a folder for the results");
// The folder this macro lists itself, checked before any work: a missing one listed no file, after Model Info had
// written its report, and the run said "0 image(s) explained".
why = "";
if (!File.exists(input)) why = "batch_folder.ijm: input=[" + input + "] does not exist: give the folder of images.";
else if (!File.isDirectory(input)) why = "batch_folder.ijm: input=[" + input + "] is a file, not a folder: give the folder of images (attribution_example.ijm takes one image).";
if (why != "") {
	why = call("org.conceptscope.fiji.ij1.MacroCalls.refuse", "batch_folder.ijm", why); // assigned: a bare call() prints what it returns
	exit;
}

setBatchMode(true);
// The model is checked once, before any image, and its report kept with the results (the command
// creates save_dir).
// Always overwrite: a rerun into the same folder writes the same model's report again (the images' results are
// replaced only with the macro's overwrite: without it an image whose files are there is skipped, naming them).
run("Model Info...", "model=[" + model + "] save_dir=[" + saveDir + "] overwrite");
files = getFileList(input);
// The images (ConceptScope's list of image endings, the batch runner's) and the titles their results take.
images = newArray(files.length);
bases = newArray(files.length);
n = 0;
for (i = 0; i < files.length; i++) {
	if (call("org.conceptscope.fiji.ij1.MacroCalls.isImageFile", files[i]) == "true") {
		images[n] = files[i];
		bases[n] = call("org.conceptscope.fiji.image.ImageTitles.base", files[i], "image");
		n++;
	}
}
titles = resultTitles(images, bases, n);
done = 0;
skipped = 0;
// One row per image: explained, or skipped with the reason (a folder run goes on past a bad image).
rows = "file,status,reason,title\n";
for (i = 0; i < n; i++) {
	name = images[i];
	showProgress(i, n);
	// a pipe (ImageJ would wait on it for ever), an empty, truncated or unreadable file: skipped with a sentence
	why = call("org.conceptscope.fiji.image.ImageFiles.check", input + File.separator + name);
	if (why == "") {
		call("ij.IJ.redirectErrorMessages"); // a file ImageJ cannot open is logged, not a dialog
		open(input + File.separator + name);
		if (nImages == 0) why = "ImageJ could not open it";
		else {
			if (titles[i] != bases[i]) rename(titles[i]); // its results are named after the title, without its extension
			why = call("org.conceptscope.fiji.ij1.MacroCalls.tryRun", "Attribution...", "model=[" + model + "] method=" + method + " target=[" + target + "] steps=32 output=channel top_fraction=0.1 save_dir=[" + saveDir + "]" + overwrite);
			// with a display each image's table is a window (its numbers are in save_dir's CSV): one at a time
			if (why == "" && isOpen(getTitle() + "-results")) close(getTitle() + "-results");
		}
		close("*");
	}
	if (why == "") {
		done++;
		rows = rows + "\"" + name + "\",explained,,\"" + titles[i] + "\"\n";
	} else {
		skipped++;
		rows = rows + "\"" + name + "\",skipped,\"" + replace(why, "\"", "'") + "\",\n";
		print("ConceptScope batch: skipped " + name + ": " + why);
	}
}
File.saveString(rows, saveDir + File.separator + "batch-summary.csv");
setBatchMode(false);
print("ConceptScope batch: " + done + " image(s) explained, " + skipped + " skipped (see batch-summary.csv), results in " + saveDir);

// The title each image's results are named after: its name without the extension (bases), or, when
// another image of the folder has that name too (a.tif, a.png; any case, as on a case-blind disk), with
// its extension after an underscore (a_tif, a_png); a title taken already gets _2, _3, ...
function resultTitles(images, bases, n) {
	titles = newArray(n);
	taken = "/";
	for (i = 0; i < n; i++) {
		same = 0;
		for (j = 0; j < n; j++) if (toLowerCase(bases[j]) == toLowerCase(bases[i])) same++;
		t = bases[i];
		if (same > 1) t = bases[i] + "_" + replace(substring(images[i], lengthOf(bases[i]) + 1), "\\.", "_");
		first = t;
		k = 2;
		while (indexOf(taken, "/" + toLowerCase(t) + "/") >= 0) {
			t = first + "_" + k;
			k++;
		}
		taken = taken + toLowerCase(t) + "/";
		titles[i] = t;
	}
	return titles;
}
