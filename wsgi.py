from yangguang import create_app

app = create_app()
