package org.conceptscope.fiji;

import ij.IJ;
import ij.ImageJ;
import ij.WindowManager;
import ij.gui.Roi;
import ij.measure.ResultsTable;
import ij.plugin.frame.RoiManager;
import ij.text.TextWindow;

import java.awt.Frame;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.conceptscope.fiji.image.OwnRois;
import org.conceptscope.fiji.image.RegionTargets;

/**
 * A user's session with a display ({@link OwnRoisGuiTest} starts it under Xvfb): a macro, not in
 * batch mode, explains a slice (its top-fraction outline goes to the ROI Manager), saves the ROI
 * Manager as a RoiSet.zip, adds a ROI of the user's named "mine" and explains the ROI Manager's
 * ROIs (rois=manager). The regions table, the ROI Manager and the Log go to report.properties.
 * <p>
 * {@code OwnRoisGuiChild <model> <stack> <output folder>}
 */
public final class OwnRoisGuiChild {

	public static void main(String[] args) throws Exception {
		Path model = Path.of(args[0]), stack = Path.of(args[1]), out = Path.of(args[2]);
		Properties report = new Properties();
		int status = 0;
		try {
			run(model, stack, out, report);
		} catch (Throwable t) {
			report.setProperty("failure", t.toString());
			t.printStackTrace();
			status = 1;
		} finally {
			try (OutputStream o = Files.newOutputStream(out.resolve("report.properties"))) {
				report.store(o, "OwnRoisGuiChild");
			}
		}
		System.exit(status); // TensorFlow's threads and the AWT event thread must not keep this JVM alive
	}

	private static void run(Path model, Path stack, Path out, Properties report) throws Exception {
		new ImageJ(ImageJ.NO_SHOW);
		Path zip = out.resolve("RoiSet.zip");
		String macro = "open('" + stack + "');\n"
			+ "run('Duplicate...', 'title=one.tif duplicate range=10-10');\n"
			+ "run('Attribution...', 'model=[" + model + "] method=saliency target=predicted top_fraction=0.1');\n"
			+ "roiManager('save', '" + zip + "');\n"
			+ "selectImage('one.tif');\n"
			+ "makeRectangle(4, 4, 12, 12);\n"
			+ "roiManager('add');\n"
			+ "roiManager('select', roiManager('count') - 1);\n"
			+ "roiManager('rename', 'mine');\n"
			+ "roiManager('deselect');\n"
			+ "run('Select None');\n"
			+ "run('Attribution...', 'model=[" + model + "] method=saliency target=predicted rois=manager');\n";
		IJ.runMacro(macro);
		RoiManager rm = RoiManager.getInstance();
		List<String> names = new ArrayList<>(), own = new ArrayList<>();
		if (rm != null) {
			for (Roi r : rm.getRoisAsArray()) {
				names.add(r.getName());
				own.add(Boolean.toString(OwnRois.isOwn(r)));
			}
		}
		report.setProperty("manager.names", String.join("\n", names));
		report.setProperty("manager.own", String.join(";", own));
		// a user who saved the outlines and reads them back: the mark is in the .roi files
		List<String> saved = new ArrayList<>();
		if (Files.isRegularFile(zip)) for (Roi r : RegionTargets.read(zip)) saved.add(Boolean.toString(OwnRois.isOwn(r)));
		report.setProperty("saved.own", String.join(";", saved));
		List<String> tables = new ArrayList<>();
		for (Frame f : WindowManager.getNonImageWindows()) {
			if (!(f instanceof TextWindow t) || t.getResultsTable() == null) continue;
			tables.add(t.getTitle());
			ResultsTable table = t.getResultsTable();
			if (t.getTitle().contains("-regions") && table.columnExists("roi")) {
				List<String> rois = new ArrayList<>();
				for (int i = 0; i < table.size(); i++) rois.add(table.getStringValue("roi", i));
				report.setProperty("regions.rois", String.join("\n", rois));
			}
		}
		report.setProperty("tables", String.join("\n", tables));
		String log = IJ.getLog();
		report.setProperty("log", log == null ? "" : log);
		report.setProperty("done", "true");
	}
}
