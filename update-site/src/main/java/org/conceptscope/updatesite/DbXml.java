package org.conceptscope.updatesite;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * The update site index {@code db.xml.gz}: gzipped XML with root {@code pluginRecords} and one
 * {@code plugin} per file (its {@code filename} is the path in Fiji, e.g.
 * {@code jars/x-1.0.jar}), holding the current {@code version} (checksum, timestamp, size,
 * description, dependencies) and the {@code previous-version}s the updater needs to tell an old
 * installed copy ("update available") from a locally modified one. Files removed from the site
 * keep a record with previous versions only, so that updaters remove them.
 */
final class DbXml {

	record Version(String checksum, String timestamp, long filesize) {}

	record Previous(String checksum, String timestamp, String timestampObsolete, String filename) {}

	record Dependency(String filename, String timestamp) {}

	record Plugin(String filename, List<String> platforms, Version current, String description, List<Dependency> dependencies,
		List<Previous> previous) {

		Plugin {
			platforms = List.copyOf(platforms);
			dependencies = List.copyOf(dependencies);
			previous = List.copyOf(previous);
		}
	}

	/** The document type the updater declares for db.xml.gz (and validates uploads against). */
	static final String DOCTYPE = String.join("\n", //
		"<!DOCTYPE pluginRecords [", //
		"<!ELEMENT pluginRecords ((update-site | disabled-update-site)*, plugin*)>", //
		"<!ELEMENT update-site EMPTY>", //
		"<!ELEMENT disabled-update-site EMPTY>", //
		"<!ELEMENT plugin (platform*, category*, version?, previous-version*)>", //
		"<!ELEMENT version (description?, dependency*, link*, author*)>", //
		"<!ELEMENT previous-version EMPTY>", //
		"<!ELEMENT description (#PCDATA)>", //
		"<!ELEMENT dependency EMPTY>", //
		"<!ELEMENT link (#PCDATA)>", //
		"<!ELEMENT author (#PCDATA)>", //
		"<!ELEMENT platform (#PCDATA)>", //
		"<!ELEMENT category (#PCDATA)>", //
		"<!ATTLIST update-site name CDATA #REQUIRED url CDATA #REQUIRED ssh-host CDATA #IMPLIED upload-directory CDATA #IMPLIED"
			+ " description CDATA #IMPLIED maintainer CDATA #IMPLIED timestamp CDATA #REQUIRED>", //
		"<!ATTLIST disabled-update-site name CDATA #REQUIRED url CDATA #REQUIRED ssh-host CDATA #IMPLIED"
			+ " upload-directory CDATA #IMPLIED description CDATA #IMPLIED maintainer CDATA #IMPLIED timestamp CDATA #REQUIRED>", //
		"<!ATTLIST plugin update-site CDATA #IMPLIED filename CDATA #REQUIRED executable CDATA #IMPLIED>", //
		"<!ATTLIST dependency filename CDATA #REQUIRED timestamp CDATA #IMPLIED overrides CDATA #IMPLIED>", //
		"<!ATTLIST version timestamp CDATA #REQUIRED checksum CDATA #REQUIRED filesize CDATA #REQUIRED>", //
		"<!ATTLIST previous-version filename CDATA #IMPLIED timestamp CDATA #REQUIRED timestamp-obsolete CDATA #IMPLIED"
			+ " checksum CDATA #REQUIRED>]>");

	private DbXml() {}

	static String xml(List<Plugin> plugins) {
		StringBuilder s = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
		s.append(DOCTYPE).append('\n');
		s.append("<pluginRecords>\n");
		for (Plugin p : plugins) {
			s.append("    <plugin filename=\"").append(escape(p.filename())).append("\">\n");
			for (String platform : p.platforms()) s.append("        <platform>").append(escape(platform)).append("</platform>\n");
			Version v = p.current();
			if (v != null) {
				s.append("        <version checksum=\"").append(v.checksum()).append("\" timestamp=\"").append(v.timestamp())
					.append("\" filesize=\"").append(v.filesize()).append("\">\n");
				if (p.description() != null) s.append("            <description>").append(escape(p.description())).append("</description>\n");
				for (Dependency d : p.dependencies()) {
					s.append("            <dependency filename=\"").append(escape(d.filename())).append("\" timestamp=\"").append(d.timestamp())
						.append("\"/>\n");
				}
				s.append("        </version>\n");
			}
			for (Previous old : p.previous()) {
				s.append("        <previous-version timestamp=\"").append(old.timestamp()).append('"');
				if (old.timestampObsolete() != null) s.append(" timestamp-obsolete=\"").append(old.timestampObsolete()).append('"');
				s.append(" checksum=\"").append(old.checksum()).append('"');
				if (old.filename() != null) s.append(" filename=\"").append(escape(old.filename())).append('"');
				s.append("/>\n");
			}
			s.append("    </plugin>\n");
		}
		s.append("</pluginRecords>\n");
		return s.toString();
	}

	static byte[] gzip(List<Plugin> plugins) throws IOException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
			gz.write(xml(plugins).getBytes(StandardCharsets.UTF_8));
		}
		return bytes.toByteArray();
	}

	/** Reads a db.xml.gz (ours or the updater's) back; update-site entries of a local database are ignored. */
	static List<Plugin> read(Path dbXmlGz) throws IOException {
		Document doc;
		try (InputStream in = new GZIPInputStream(Files.newInputStream(dbXmlGz))) {
			DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
			f.setNamespaceAware(false);
			f.setExpandEntityReferences(false);
			f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
			DocumentBuilder b = f.newDocumentBuilder();
			b.setEntityResolver((publicId, systemId) -> new InputSource(new StringReader("")));
			doc = b.parse(in);
		} catch (ParserConfigurationException | SAXException e) {
			throw new IOException(dbXmlGz + " is not a valid db.xml.gz: " + e.getMessage(), e);
		}
		Element root = doc.getDocumentElement();
		if (!root.getTagName().equals("pluginRecords")) throw new IOException(dbXmlGz + " has root " + root.getTagName() + ", not pluginRecords.");
		List<Plugin> plugins = new ArrayList<>();
		for (Element p : children(root, "plugin")) {
			List<String> platforms = new ArrayList<>();
			for (Element pl : children(p, "platform")) platforms.add(pl.getTextContent().trim());
			Version current = null;
			String description = null;
			List<Dependency> deps = new ArrayList<>();
			for (Element v : children(p, "version")) {
				current = new Version(v.getAttribute("checksum"), v.getAttribute("timestamp"), Long.parseLong(v.getAttribute("filesize")));
				for (Element d : children(v, "description")) description = d.getTextContent();
				for (Element d : children(v, "dependency")) deps.add(new Dependency(d.getAttribute("filename"), d.getAttribute("timestamp")));
			}
			List<Previous> previous = new ArrayList<>();
			for (Element v : children(p, "previous-version")) {
				previous.add(new Previous(v.getAttribute("checksum"), v.getAttribute("timestamp"), attribute(v, "timestamp-obsolete"),
					attribute(v, "filename")));
			}
			plugins.add(new Plugin(p.getAttribute("filename"), platforms, current, description, deps, previous));
		}
		return plugins;
	}

	private static String attribute(Element e, String name) {
		return e.hasAttribute(name) ? e.getAttribute(name) : null;
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

	static String escape(String s) {
		StringBuilder out = new StringBuilder(s.length());
		for (char c : s.toCharArray()) {
			switch (c) {
				case '&' -> out.append("&amp;");
				case '<' -> out.append("&lt;");
				case '>' -> out.append("&gt;");
				case '"' -> out.append("&quot;");
				default -> out.append(c);
			}
		}
		return out.toString();
	}
}
