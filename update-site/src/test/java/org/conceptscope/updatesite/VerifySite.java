package org.conceptscope.updatesite;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Checks an assembled update site on its own terms: db.xml.gz is gzipped XML valid against its
 * DOCTYPE with root pluginRecords; every current version names a stored file
 * {@code <filename>-<timestamp>} whose size and checksum ({@link IndependentChecksum}) match;
 * every stored file belongs to exactly one record; platform-specific jars say so; a jar holding
 * plugins.config (ImageJ 1.x menu entries) is in plugins/, the only folder ImageJ reads them
 * from, under a name with an underscore (ImageJ skips the others); every dependency is a file the site ships. Run by the
 * tests and, in the update-site profile, on the real site ({@code VerifySite <site folder>}).
 */
public final class VerifySite {

	private VerifySite() {}

	public static void main(String[] args) throws IOException {
		Path site = Path.of(args[0]);
		List<String> problems = verify(site);
		if (!problems.isEmpty()) {
			problems.forEach(p -> System.err.println("update site: " + p));
			System.exit(1);
		}
		System.out.println("Update site " + site.toAbsolutePath() + " verified: checksums recomputed independently, sizes, names, db.xml.gz valid.");
	}

	/** Everything wrong with the site; empty when it is right. */
	static List<String> verify(Path site) throws IOException {
		List<String> problems = new ArrayList<>();
		Document doc = parse(site.resolve("db.xml.gz"), problems);
		if (doc == null) return problems;
		Element root = doc.getDocumentElement();
		if (!root.getTagName().equals("pluginRecords")) problems.add("root element is " + root.getTagName() + ", not pluginRecords");
		Set<String> names = new HashSet<>(), stored = new HashSet<>(), current = new HashSet<>();
		List<String[]> dependencies = new ArrayList<>(); // {file, the file it depends on}
		for (Element plugin : children(root, "plugin")) {
			String filename = plugin.getAttribute("filename");
			if (!names.add(filename)) problems.add(filename + " has two records");
			List<Element> versions = children(plugin, "version");
			if (!versions.isEmpty()) current.add(filename);
			if (versions.size() > 1) problems.add(filename + " has " + versions.size() + " current versions");
			boolean platformSpecific = filename.startsWith("jars/linux64/");
			List<String> platforms = children(plugin, "platform").stream().map(e -> e.getTextContent().trim()).toList();
			if (platformSpecific != platforms.equals(List.of("linux64"))) problems.add(filename + " has platforms " + platforms);
			for (Element v : versions) {
				String ts = v.getAttribute("timestamp");
				if (!ts.matches("\\d{14}")) problems.add(filename + ": timestamp " + ts + " is not yyyyMMddHHmmss");
				Path file = site.resolve(filename + "-" + ts);
				stored.add(site.relativize(file).toString().replace('\\', '/'));
				if (!Files.isRegularFile(file)) {
					problems.add(filename + ": stored file " + site.relativize(file) + " is missing");
					continue;
				}
				long size = Long.parseLong(v.getAttribute("filesize"));
				if (size != Files.size(file)) problems.add(filename + ": filesize " + size + " but the file has " + Files.size(file) + " bytes");
				String checksum = IndependentChecksum.of(filename, file);
				if (!checksum.equals(v.getAttribute("checksum"))) {
					problems.add(filename + ": checksum " + v.getAttribute("checksum") + " but recomputed " + checksum);
				}
				// ImageJ 1.x reads menu entries (plugins.config) only from jars in Fiji's plugins/ folder
				if (filename.endsWith(".jar") && hasEntry(file, "plugins.config") != filename.startsWith("plugins/")) {
					problems.add(filename + (filename.startsWith("plugins/") ? " is in plugins/ but holds no plugins.config"
						: " holds plugins.config but is not in plugins/: ImageJ 1.x would show none of its menu entries"));
				}
				// ...and only from jars whose file name holds an underscore (ImageJ 1.x Menus)
				String jarName = filename.substring(filename.lastIndexOf('/') + 1);
				if (filename.startsWith("plugins/") && jarName.endsWith(".jar") && !jarName.contains("_")) {
					problems.add(filename + " has no '_' in its name: ImageJ 1.x ignores the plugins.config of such a jar");
				}
				for (Element d : children(v, "dependency")) dependencies.add(new String[] { filename, d.getAttribute("filename") });
			}
		}
		for (String[] d : dependencies) {
			if (!current.contains(d[1])) problems.add(d[0] + " depends on " + d[1] + ", which the site does not ship");
		}
		try (Stream<Path> files = Files.walk(site)) {
			for (Path f : files.filter(Files::isRegularFile).toList()) {
				String rel = site.relativize(f).toString().replace('\\', '/');
				if (!rel.equals("db.xml.gz") && !stored.contains(rel)) problems.add(rel + " is in the site but in no record");
			}
		}
		return problems;
	}

	private static boolean hasEntry(Path jar, String name) throws IOException {
		try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(Files.newInputStream(jar))) {
			for (java.util.zip.ZipEntry e; (e = in.getNextEntry()) != null;) if (e.getName().equals(name)) return true;
		}
		return false;
	}

	private static Document parse(Path db, List<String> problems) throws IOException {
		if (!Files.isRegularFile(db)) {
			problems.add("no db.xml.gz");
			return null;
		}
		byte[] xml;
		try (InputStream in = new GZIPInputStream(Files.newInputStream(db))) {
			xml = in.readAllBytes();
		}
		try {
			DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
			f.setValidating(true); // against the DOCTYPE the file declares
			DocumentBuilder b = f.newDocumentBuilder();
			b.setErrorHandler(new ErrorHandler() {
				@Override
				public void warning(SAXParseException e) {}

				@Override
				public void error(SAXParseException e) {
					problems.add("db.xml.gz line " + e.getLineNumber() + ": " + e.getMessage());
				}

				@Override
				public void fatalError(SAXParseException e) throws SAXException {
					throw e;
				}
			});
			return b.parse(new ByteArrayInputStream(xml));
		} catch (ParserConfigurationException | SAXException e) {
			problems.add("db.xml.gz is not well-formed XML: " + e.getMessage());
			return null;
		}
	}

	private static List<Element> children(Element parent, String tag) {
		List<Element> out = new ArrayList<>();
		NodeList nodes = parent.getChildNodes();
		for (int i = 0; i < nodes.getLength(); i++) {
			Node n = nodes.item(i);
			if (n instanceof Element e && e.getTagName().equals(tag)) out.add(e);
		}
		return out;
	}
}
